// adit match: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_match(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "match", "Compare two crystal structures");
}

}  // namespace adit::cli
