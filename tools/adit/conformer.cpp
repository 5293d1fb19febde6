// adit conformer: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_conformer(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "conformer", "Predict 3D geometries from SMILES");
}

}  // namespace adit::cli
