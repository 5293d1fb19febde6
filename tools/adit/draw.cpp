// adit draw: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_draw(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "draw", "Draw a grid of 2D depictions of molecules");
}

}  // namespace adit::cli
