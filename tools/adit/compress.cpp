// adit compress: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_compress(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "compress", "Turn a trained standard-attention model into a MASA one");
}

}  // namespace adit::cli
