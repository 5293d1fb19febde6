// adit eval: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_eval(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "eval", "Evaluate generated molecules or crystals");
}

}  // namespace adit::cli
