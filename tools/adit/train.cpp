// adit train: placeholder until its issue fills it in.
#include "command.hpp"

namespace adit::cli {

Command register_train(CLI::App& parent, const GlobalOptions&) {
    return register_placeholder(parent, "train", "Train a VAE or DiT");
}

}  // namespace adit::cli
