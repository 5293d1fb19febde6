// adit convert: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_convert(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "convert", "Convert structures between formats");
}

}  // namespace adit::cli
