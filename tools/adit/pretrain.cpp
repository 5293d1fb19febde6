// adit pretrain moleblend: MoleBLEND blended 2D/3D relation pretraining
// (src/adit/train/moleblend_trainer.hpp) on one or more prepared 3D molecular sets.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/train/moleblend_trainer.hpp"
#include "command.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {

std::atomic<bool> g_stop_pretrain{false};
void on_sigint_pretrain(int) { g_stop_pretrain = true; }

struct PretrainArgs {
    std::string config, out;
    std::vector<std::string> data;
    bool resume = false;
    std::int64_t steps = 0, stop_after = 0;
};

void report_set(const std::string& path, const char* part, const train::MoleBlendSet& s) {
    log_info("{} ({}): {} molecules; skipped {} without SMILES, {} unparsable, {} whose geometry does not match the graph",
             path, part, s.molecules.size(), s.no_smiles, s.bad_smiles, s.no_geometry_match);
}

int run_pretrain(const PretrainArgs& a, const GlobalOptions& g) {
    auto config = read_config(a.config);
    if (a.steps > 0) config["train"]["steps"] = a.steps;
    if (!config["train"].contains("seed")) config["train"]["seed"] = g.seed;
    std::vector<models::MoleBlendMolecule> train_set, val_set;
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& path : a.data) {
        auto ds = data::Dataset::open(path);
        const bool has_splits = !ds->indices(Split::val).empty() || !ds->indices(Split::test).empty();
        auto tr = train::moleblend_set(*ds, has_splits ? ds->indices(Split::train) : ds->all_indices(), true, {}, g.threads);
        report_set(path, "train", tr);
        train_set.insert(train_set.end(), std::make_move_iterator(tr.molecules.begin()), std::make_move_iterator(tr.molecules.end()));
        std::size_t nval = 0;
        if (has_splits) {
            auto va = train::moleblend_set(*ds, ds->indices(Split::val), true, {}, g.threads);
            report_set(path, "val", va);
            nval = va.molecules.size();
            val_set.insert(val_set.end(), std::make_move_iterator(va.molecules.begin()), std::make_move_iterator(va.molecules.end()));
        }
        sources.push_back({{"path", path}, {"train", tr.molecules.size()}, {"val", nval}});
    }
    config["data"] = {{"sources", sources}};
    train::MoleBlendRunOptions run;
    run.device = torch::Device(g.device);
    run.resume = a.resume;
    run.stop_after = a.stop_after;
    run.stop = &g_stop_pretrain;
    run.progress = progress_bar("moleblend", g.quiet);
    std::signal(SIGINT, on_sigint_pretrain);
    if (g.threads > 0) torch::set_num_threads(g.threads);
    const auto r = train::pretrain_moleblend(config, train_set, val_set, a.out, run);
    nlohmann::ordered_json j;
    j["checkpoint"] = r.checkpoint;
    j["step"] = r.step;
    j["train_molecules"] = train_set.size();
    j["validation_molecules"] = val_set.size();
    j["first_loss"] = r.losses.empty() ? nullptr : nlohmann::json(r.losses.front());
    j["last_loss"] = r.losses.empty() ? nullptr : nlohmann::json(r.losses.back());
    j["validation"] = r.validation;
    j["seconds_per_step"] = r.seconds_per_step;
    std::cout << j.dump(2) << "\n";
    return g_stop_pretrain ? 130 : 0;
}

}  // namespace

Command register_pretrain(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* app = parent.add_subcommand("pretrain", "Self-supervised pretraining (moleblend)");
    app->require_subcommand(1);
    auto args = std::make_shared<PretrainArgs>();
    CLI::App* sub = app->add_subcommand("moleblend", "MoleBLEND blended 2D/3D relation pretraining on prepared 3D molecules");
    sub->add_option("--config", args->config, "TOML config ([model], [blend], [loss], [train]; configs/moleblend-*.toml)")
        ->required()
        ->check(CLI::ExistingFile);
    sub->add_option("--data", args->data, "prepared HDF5 set(s) with geometries and SMILES (repeatable); /splits train part, val for validation")
        ->required()
        ->check(CLI::ExistingFile);
    sub->add_option("--out", args->out, "output directory (moleblend.pt)")->required();
    sub->add_flag("--resume", args->resume, "continue exactly from <out>/moleblend.pt");
    sub->add_option("--steps", args->steps, "override [train] steps");
    sub->add_option("--stop-after", args->stop_after, "stop with a checkpoint once this many steps are done");
    return {app, [args, &global] { return guarded("pretrain moleblend", [&] { return run_pretrain(*args, global); }); }};
}

}  // namespace adit::cli
