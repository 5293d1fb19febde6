// adit train vae|dit: trains the ADiT autoencoder or latent DiT from a TOML config.
//   adit train vae --config C.toml --out DIR            -> DIR/vae.pt
//   adit train dit --config C.toml --vae VAE.pt --out DIR -> DIR/dit.pt (embeds the VAE)
// Config sections: [data] train = "file" or ["files"], validation = ...; [model]; [train].
// Data paths are relative to the config file. Ctrl-C writes a checkpoint; --resume continues it.
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/nn/device.hpp"
#include "adit/train/trainer.hpp"
#include "command.hpp"
#include "eval_geometry.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {

std::atomic<bool> g_stop{false};
void on_sigint(int) { g_stop = true; }

}  // namespace

Command register_train(CLI::App& parent, const GlobalOptions& global) {
    auto* app = parent.add_subcommand("train", "Train a VAE, DiT or conformer model");
    app->require_subcommand(1);
    struct Args {
        std::string config, out, vae;
        bool resume = false;
        std::int64_t steps = 0;
    };
    auto args = std::make_shared<Args>();
    auto* vae = app->add_subcommand("vae", "Train the all-atom VAE");
    auto* dit = app->add_subcommand("dit", "Train the latent DiT on a trained VAE");
    for (auto* sub : {vae, dit}) {
        sub->add_option("--config", args->config, "TOML config")->required()->check(CLI::ExistingFile);
        sub->add_option("--out", args->out, "output directory (checkpoint <kind>.pt)")->required();
        sub->add_flag("--resume", args->resume, "continue from the checkpoint in --out");
        sub->add_option("--steps", args->steps, "override train.steps");
    }
    dit->add_option("--vae", args->vae, "trained VAE checkpoint")->required()->check(CLI::ExistingFile);

    Command conformer = add_train_conformer(*app, global);  // train_conformer.cpp

    Command c;
    c.app = app;
    c.run = [args, vae, conformer, &global]() {
        if (conformer.app->parsed()) return conformer.run();
        return guarded("train", [&]() {
            nn::parse_device(global.device);  // a missing GPU is reported before any data is read
            if (global.threads > 0) torch::set_num_threads(global.threads);
            auto config = read_config(args->config);
            if (args->steps > 0) config["train"]["steps"] = args->steps;
            if (global.seed != 0) config["train"]["seed"] = global.seed;
            train::RunOptions run;
            run.resume = args->resume;
            run.device = global.device;
            run.precision = global.precision;
            run.stop = &g_stop;
            std::signal(SIGINT, on_sigint);
            const bool is_vae = vae->parsed();
            run.progress = progress_bar(is_vae ? "vae" : "dit", global.quiet);
            auto train_set = read_data(config, "train", args->config);
            if (train_set.empty()) fail("{}: [data] train lists no structures", args->config);
            train::TrainResult r;
            if (is_vae) r = train::train_vae(config, train_set, read_data(config, "validation", args->config), args->out, run);
            else r = train::train_dit(config, args->vae, train_set, args->out, run);
            log_info("{:.3f} s/step; wrote {} at step {}", r.seconds_per_step, r.checkpoint, r.step);
            nlohmann::json summary = {{"checkpoint", r.checkpoint},
                                      {"step", r.step},
                                      {"final_loss", r.losses.empty() ? 0.0 : r.losses.back()},
                                      {"seconds_per_step", r.seconds_per_step},
                                      {"validation", r.validation}};
            std::cout << summary.dump() << "\n";
            return g_stop ? 130 : 0;
        });
    };
    return c;
}

}  // namespace adit::cli
