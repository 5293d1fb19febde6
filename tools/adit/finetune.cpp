// adit finetune: property regression from a MoleBLEND model (pretrained or from scratch) on a
// prepared file with properties and /splits (e.g. the QM9 DFT molecules), 2D input by default.
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/text.hpp"
#include "adit/train/moleblend_trainer.hpp"
#include "command.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {

std::atomic<bool> g_stop_finetune{false};
void on_sigint_finetune(int) { g_stop_finetune = true; }

struct FinetuneArgs {
    std::string task, data, from, out, config;
    bool use_3d = false;
    std::int64_t steps = 0;
};

// "qm9:homo,lumo,gap" -> {"homo", "lumo", "gap"}.
std::vector<std::string> task_properties(const std::string& task) {
    const auto colon = task.find(':');
    if (colon == std::string::npos || task.substr(0, colon) != "qm9")
        fail("--task must look like qm9:<property>[,<property>...] (e.g. qm9:homo,lumo,gap), not \"{}\"", task);
    std::vector<std::string> names;
    std::string rest = task.substr(colon + 1), cur;
    for (char c : rest + ",") {
        if (c == ',') {
            if (!cur.empty()) names.push_back(cur);
            cur.clear();
        } else if (!std::isspace(static_cast<unsigned char>(c))) {
            cur += c;
        }
    }
    if (names.empty()) fail("--task {}: no property named", task);
    return names;
}

int run_finetune(const FinetuneArgs& a, const GlobalOptions& g) {
    nlohmann::json file_config = a.config.empty() ? nlohmann::json::object() : read_config(a.config);
    // [finetune] holds the fine-tuning schedule; [model] the architecture used from scratch.
    nlohmann::json config = {{"train", file_config.value("finetune", nlohmann::json::object())}};
    if (file_config.contains("model")) config["model"] = file_config["model"];
    if (config["train"].contains("loss")) config["loss"] = config["train"]["loss"];
    if (a.steps > 0) config["train"]["steps"] = a.steps;
    if (!config["train"].contains("seed")) config["train"]["seed"] = g.seed;

    auto ds = data::Dataset::open(a.data);
    train::FinetuneSpec spec;
    spec.task = a.task;
    spec.use_3d = a.use_3d;
    for (const auto& name : task_properties(a.task)) {
        const auto* column = ds->data().property(name);
        if (!column) fail("{}: no property \"{}\" (the file was not prepared from a set that has it)", a.data, name);
        spec.targets.push_back(train::property_target(name, column->unit));
    }
    if (ds->indices(Split::train).empty() || ds->indices(Split::test).empty())
        fail("{}: fine-tuning needs /splits with train and test parts (adit prepare --split random:0.8,0.1,0.1)", a.data);
    auto part = [&](Split s) {
        auto set = train::moleblend_set(*ds, ds->indices(s), a.use_3d, spec.targets, g.threads);
        log_info("{} ({}): {} molecules; skipped {} without SMILES, {} unparsable, {} without the targets, {} unmatched geometry",
                 a.data, split_name(s), set.molecules.size(), set.no_smiles, set.bad_smiles, set.missing_target,
                 set.no_geometry_match);
        return set.molecules;
    };
    const auto train_set = part(Split::train), val_set = part(Split::val), test_set = part(Split::test);

    train::MoleBlendRunOptions run;
    run.device = torch::Device(g.device);
    run.stop = &g_stop_finetune;
    run.progress = progress_bar("finetune", g.quiet);
    std::signal(SIGINT, on_sigint_finetune);
    if (g.threads > 0) torch::set_num_threads(g.threads);
    const auto r = train::finetune_moleblend(config, a.from, spec, train_set, val_set, test_set, a.out, run);
    nlohmann::ordered_json j;
    j["model"] = r.checkpoint;
    j["task"] = a.task;
    j["from"] = a.from;
    j["input"] = a.use_3d ? "2d+3d" : "2d";
    j["steps"] = r.step;
    j["train_molecules"] = train_set.size();
    j["validation"] = r.validation;
    j["test"] = r.test;
    j["seconds_per_step"] = r.seconds_per_step;
    std::cout << j.dump(2) << "\n";
    return g_stop_finetune ? 130 : 0;
}

}  // namespace

Command register_finetune(CLI::App& parent, const GlobalOptions& global) {
    auto args = std::make_shared<FinetuneArgs>();
    CLI::App* sub = parent.add_subcommand("finetune", "Fine-tune a MoleBLEND model on molecular properties (QM9 targets)");
    sub->add_option("--task", args->task, "qm9:<property>[,<property>...], e.g. qm9:homo,lumo,gap")->required();
    sub->add_option("--data", args->data, "prepared HDF5 with the properties and /splits (train/val/test)")
        ->required()
        ->check(CLI::ExistingFile);
    sub->add_option("--from", args->from, "pretrained moleblend.pt, or \"scratch\" for random weights")->required();
    sub->add_option("--out", args->out, "output directory (model.pt)")->required();
    sub->add_option("--config", args->config, "TOML config: [finetune] schedule, [model] for --from scratch")
        ->check(CLI::ExistingFile);
    sub->add_flag("--use-3d", args->use_3d, "also give the model the stored 3D geometry (default: 2D graph only)");
    sub->add_option("--steps", args->steps, "override [finetune] steps");
    return {sub, [args, &global] {
                return guarded("finetune", [&] {
                    if (args->from != "scratch" && !std::filesystem::exists(args->from))
                        fail("--from {}: no such file (give a pretrained moleblend.pt or \"scratch\")", args->from);
                    return run_finetune(*args, global);
                });
            }};
}

}  // namespace adit::cli
