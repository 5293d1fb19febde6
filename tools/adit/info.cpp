// adit info: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_info(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "info", "Describe structures, prepared datasets or models");
}

}  // namespace adit::cli
