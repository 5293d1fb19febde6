// adit compress: turns a trained standard-attention DiT into a MASA one (SVD initialisation
// across layers, then a short fine-tune on the config's [data] with its [train] settings).
//   adit compress --model runs/smoke-dit/dit.pt --config configs/smoke-dit-masa.toml --out DIR
//   adit compress --model models/dit-xs-joint.pt --vae models/vae-joint-small.pt --config C.toml --out DIR
#include <torch/torch.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "adit/nn/device.hpp"
#include "adit/train/trainer.hpp"
#include "command.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {
std::atomic<bool> g_compress_stop{false};
void on_compress_sigint(int) { g_compress_stop = true; }
}  // namespace

Command register_compress(CLI::App& parent, const GlobalOptions& global) {
    auto* app = parent.add_subcommand("compress", "Turn a trained standard-attention model into a MASA one");
    struct Args {
        std::string model, vae, config, out;
        std::int64_t atoms = 0, steps = 0;
        bool resume = false;
    };
    auto a = std::make_shared<Args>();
    app->add_option("--model", a->model, "trained standard-attention DiT (dit.pt)")->required()->check(CLI::ExistingFile);
    app->add_option("--vae", a->vae,
                    "the VAE the DiT was trained with, for a release without its encoder (e.g. the shipped default: "
                    "models/vae-joint-small.pt); checked against the DiT's")
        ->check(CLI::ExistingFile);
    app->add_option("--config", a->config, "TOML with [data] and [train] for the fine-tune")->required()->check(CLI::ExistingFile);
    app->add_option("--out", a->out, "output directory (dit.pt)")->required();
    app->add_option("--atoms", a->atoms, "S, shared matrices per projection type (default: config, else L/3)")->check(CLI::PositiveNumber);
    app->add_option("--steps", a->steps, "fine-tune steps (override train.steps; 0 steps = SVD only)")->check(CLI::NonNegativeNumber);
    app->add_flag("--resume", a->resume, "continue the fine-tune from the checkpoint in --out");
    Command c;
    c.app = app;
    c.run = [a, app, &global]() {
        return guarded("compress", [&]() {
            nn::parse_device(global.device);  // a missing GPU is reported before any data is read
            if (global.threads > 0) torch::set_num_threads(global.threads);
            auto config = read_config(a->config);
            if (app->count("--steps")) config["train"]["steps"] = a->steps;
            if (a->atoms > 0) config["model"]["masa_atoms"] = a->atoms;
            if (global.seed != 0) config["train"]["seed"] = global.seed;
            train::RunOptions run;
            run.resume = a->resume;
            run.device = global.device;
            run.precision = global.precision;
            run.stop = &g_compress_stop;
            std::signal(SIGINT, on_compress_sigint);
            run.progress = progress_bar("compress", global.quiet);
            auto data = read_data(config, "train", a->config);
            if (data.empty()) fail("{}: [data] train lists no structures", a->config);
            auto r = train::compress_dit(config, a->model, a->vae, data, a->out, run);
            nlohmann::json summary = {{"checkpoint", r.checkpoint},
                                      {"step", r.step},
                                      {"final_loss", r.losses.empty() ? 0.0 : r.losses.back()},
                                      {"seconds_per_step", r.seconds_per_step}};
            std::cout << summary.dump() << "\n";
            return g_compress_stop ? 130 : 0;
        });
    };
    return c;
}

}  // namespace adit::cli
