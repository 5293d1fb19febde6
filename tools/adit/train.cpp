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
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/nn/device.hpp"
#include "adit/io/text_file.hpp"
#include "adit/sample/validation.hpp"
#include "adit/train/distributed.hpp"
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
        std::string config, out, vae, init;
        bool resume = false;
        std::int64_t steps = -1;  // not given
        bool distributed = false;
        train::DistributedOptions dist;
        std::string loss_log;
        std::int64_t shards = 0;
    };
    auto args = std::make_shared<Args>();
    auto* vae = app->add_subcommand("vae", "Train the all-atom VAE");
    auto* dit = app->add_subcommand("dit", "Train the latent DiT on a trained VAE");
    for (auto* sub : {vae, dit}) {
        sub->add_option("--config", args->config, "TOML config")->required()->check(CLI::ExistingFile);
        sub->add_option("--out", args->out, "output directory (checkpoint <kind>.pt)")->required();
        auto* resume = sub->add_flag("--resume", args->resume, "continue from the checkpoint in --out");
        sub->add_option("--init", args->init,
                        "start a new run from this checkpoint's or release file's weights (same model config; for a DiT "
                        "also one with fewer layers, deepened by identity blocks)")
            ->check(CLI::ExistingFile)
            ->excludes(resume);
        sub->add_option("--steps", args->steps, "override train.steps (0: write the starting weights, e.g. --init with a new --vae)")
            ->check(CLI::NonNegativeNumber);
        sub->add_flag("--distributed", args->distributed,
                      "data-parallel over the processes that tools/gpu/launch.sh or torchrun started (RANK, WORLD_SIZE, ...)");
        sub->add_option("--backend", args->dist.backend, "--distributed: gloo (CPU), nccl (CUDA) or auto")
            ->check(CLI::IsMember({"auto", "gloo", "nccl"}));
        sub->add_option("--bucket-mb", args->dist.bucket_mb, "--distributed: gradient all-reduce bucket size, MiB (default 25)")
            ->check(CLI::PositiveNumber);
        sub->add_option("--shards", args->shards,
                        "override train.shards: the global batch in this many shards (runs agree on any process count dividing it)")
            ->check(CLI::PositiveNumber);
        sub->add_option("--loss-log", args->loss_log, "write the training loss of every step (step<TAB>loss) to this file");
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
            if (args->steps >= 0) config["train"]["steps"] = args->steps;
            if (args->shards > 0) config["train"]["shards"] = args->shards;
            if (global.seed != 0) config["train"]["seed"] = global.seed;
            train::RunOptions run;
            run.resume = args->resume;
            run.init_from = args->init;
            run.device = global.device;
            run.precision = global.precision;
            run.stop = &g_stop;
            std::signal(SIGINT, on_sigint);
            const bool is_vae = vae->parsed();
            bool main_rank = true;
            if (args->distributed) {
                run.process_group = train::ProcessGroup::from_environment(
                    args->dist, global.device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU));
                main_rank = run.process_group->rank() == 0;
                run.device = run.process_group->device().str();  // cuda:LOCAL_RANK under NCCL
                if (!main_rank) spdlog::default_logger()->set_level(spdlog::level::warn);  // rank 0 logs
            }
            run.progress = progress_bar(is_vae ? "vae" : "dit", global.quiet || !main_rank);
            auto train_set = read_data(config, "train", args->config);
            if (train_set.empty()) fail("{}: [data] train lists no structures", args->config);
            if (!is_vae) {  // DiT validation: sample with the EMA weights, judge with the eval library
                const auto vopt = sample::dit_validation_options_from_json(config.value("validation", nlohmann::json()));
                run.dit_validation = [vopt, &global](models::LoadedDiT& m) {
                    auto o = vopt;
                    o.threads = global.threads;
                    return sample::validate_dit(m, o);
                };
            }
            train::TrainResult r;
            if (is_vae) r = train::train_vae(config, train_set, read_data(config, "validation", args->config), args->out, run);
            else r = train::train_dit(config, args->vae, train_set, args->out, run);
            if (!main_rank) return g_stop ? 130 : 0;  // [distributed] rank 0 reports
            if (!args->loss_log.empty()) {
                AtomicOutput log(args->loss_log);
                const auto first = r.step - std::int64_t(r.losses.size());
                for (std::size_t i = 0; i < r.losses.size(); ++i)
                    log.stream() << fmt::format("{}\t{:.9g}\n", first + std::int64_t(i) + 1, r.losses[i]);
                log.commit();
            }
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
