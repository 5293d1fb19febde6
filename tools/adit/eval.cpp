// adit eval: placeholder until its issue fills it in; only `eval geometry` (eval_geometry.cpp)
// is wired in on the conformer branch.
#include "command.hpp"
#include "eval_geometry.hpp"

namespace adit::cli {

Command register_eval(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* sub = parent.add_subcommand("eval", "Evaluate generated molecules or crystals");
    sub->require_subcommand(1);
    Command geometry = add_eval_geometry(*sub, global);
    return {sub, [geometry] { return geometry.app->parsed() ? geometry.run() : 2; }};
}

}  // namespace adit::cli
