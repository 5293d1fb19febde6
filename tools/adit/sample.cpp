// adit sample: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_sample(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "sample", "Sample molecules or crystals from a trained model");
}

}  // namespace adit::cli
