// adit prepare: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_prepare(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "prepare", "Prepare a dataset into adit's HDF5 layout");
}

}  // namespace adit::cli
