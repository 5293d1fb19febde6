// adit train: placeholder until its issue fills it in; only `train conformer`
// (train_conformer.cpp) is wired in on the conformer branch.
#include "command.hpp"
#include "eval_geometry.hpp"

namespace adit::cli {

Command register_train(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* sub = parent.add_subcommand("train", "Train a model");
    sub->require_subcommand(1);
    Command conformer = add_train_conformer(*sub, global);
    return {sub, [conformer] { return conformer.app->parsed() ? conformer.run() : 2; }};
}

}  // namespace adit::cli
