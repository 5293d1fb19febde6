// Training the VAE and the DiT: AdamW, an EMA of the weights, periodic validation, atomic
// self-describing checkpoints, exact resumption (parameters, optimiser moments, EMA, torch RNG
// state; the data order is a pure function of (seed, step)), and a NaN/Inf guard.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "adit/train/batch_plan.hpp"  // batch_indices, part of this header's interface

namespace adit::models {
struct LoadedDiT;  // checkpoint.hpp
}

namespace adit::train {

class ProcessGroup;  // distributed.hpp

struct TrainOptions {
    std::int64_t steps = 1000;
    std::int64_t batch_size = 32;
    double lr = 1e-4;
    // "constant" (after the warm-up) or "cosine": down to lr * min_lr_ratio at `steps`
    // (train/lr_schedule.hpp). A segment started with --init and a cosine schedule anneals a model.
    std::string lr_schedule = "constant";
    std::int64_t warmup_steps = 0;
    double min_lr_ratio = 0.0;
    double weight_decay = 0.0;
    double ema_decay = 0.999;
    double grad_clip = 1.0;         // max global gradient norm (0 = off)
    std::int64_t checkpoint_every = 0;  // steps between checkpoints (0: only at the end)
    std::int64_t validate_every = 0;    // steps between validations (0: only at the end)
    std::uint64_t seed = 0;
    bool augment_rotations = true;  // random rotation of every molecule in every batch (as the reference)
    std::string precision = "fp32"; // "fp32" | "bf16" (bf16 autocast; CUDA only, the CPU stays fp32)
    // Batches of similar atom counts: each window of 50 batches of the epoch's order is sorted by
    // size before it is cut, so batches pad to little more than their own sizes (the batches of a
    // window are then visited in a seeded random order). Off: pad to the largest of a random draw.
    bool bucket_by_size = false;
    // The global batch is cut into this many shards, each with its own random stream (0: one per
    // process). Runs with the same value give the same losses on any number of processes
    // dividing it (distributed.hpp).
    std::int64_t shards = 0;
    // VAE only: train the decoder alone (VAEImpl::encoder_parameters frozen). Started with --init
    // from a VAE, the latent space stays as it is, so the DiTs trained on it stay valid.
    bool freeze_encoder = false;
    // CUDA, one process: each batch shape's whole step (forward, backward, clipping, AdamW, EMA)
    // is captured once as a CUDA graph and replayed (graphed_step.hpp); LibTorch >= 2.3.
    bool cuda_graph = false;
};
nlohmann::json to_json(const TrainOptions& o);
TrainOptions train_options_from_json(const nlohmann::json& j);

struct RunOptions {
    bool resume = false;           // continue from <out>/<kind>.pt
    // Start a new run (step 0, fresh optimiser) from the weights of this checkpoint or release
    // file (EMA weights when it has them); same kind and model config. Ignored with `resume`.
    std::string init_from;
    std::int64_t stop_after = 0;   // stop (with a checkpoint) once this many steps are done (0: run all)
    const std::atomic<bool>* stop = nullptr;  // set asynchronously (Ctrl-C): checkpoint and stop
    ProgressCallback progress;     // (step, steps, "loss ... lr ... ") every step
    std::string device = "cpu";    // "cpu" | "cuda" | "cuda:N" (nn::parse_device)
    std::string precision;         // overrides train.precision when not empty
    // [distributed] data-parallel over this c10d group (null: one process). Rank 0 alone writes
    // checkpoints, validates and reports progress.
    std::shared_ptr<ProcessGroup> process_group;
    // DiT validation at validate_every (and at the end), run with the EMA weights: the CLI passes
    // sample::validate_dit, so this layer needs neither the samplers nor the metrics.
    std::function<nlohmann::json(models::LoadedDiT&)> dit_validation;
};

struct TrainResult {
    std::vector<double> losses;    // training loss of every step run in this call
    std::int64_t step = 0;         // steps done in total
    std::string checkpoint;        // path written
    nlohmann::json validation;     // last validation metrics
    double seconds_per_step = 0;   // wall time per step in this call
};

// config: {"model": {...VAEOptions...}, "train": {...TrainOptions...}, ...anything else is kept
// verbatim in the checkpoint}. Writes <out_dir>/vae.pt.
TrainResult train_vae(const nlohmann::json& config, const std::vector<Structure>& train_set,
                      const std::vector<Structure>& validation_set, const std::string& out_dir, const RunOptions& run);

// config: {"model": {...DiTOptions...}, "train": {...}}; the VAE (EMA weights) is frozen and
// embedded in the result. Writes <out_dir>/dit.pt.
TrainResult train_dit(const nlohmann::json& config, const std::string& vae_path, const std::vector<Structure>& train_set,
                      const std::string& out_dir, const RunOptions& run);

// adit compress: a trained standard-attention DiT (dit.pt) becomes a MASA one with
// config["model"]["masa_atoms"] shared matrices per projection type (default L/3), initialised
// by SVD across layers (nn::masa_from_standard; everything else copied), then fine-tuned with
// config["train"] on `train_set`. Writes <out_dir>/dit.pt (embedding the same VAE). `vae_path`
// (optional) gives that VAE from its own file, for a sampling-only DiT release (no encoder to
// fine-tune with): checked to be the VAE the DiT was trained with (models::check_same_vae).
TrainResult compress_dit(const nlohmann::json& config, const std::string& model_path, const std::string& vae_path,
                         const std::vector<Structure>& train_set, const std::string& out_dir, const RunOptions& run);

// Atom-count histogram per system ({"molecule": [count of size 0, 1, ...], "crystal": [...]}).
nlohmann::json atom_count_histogram(const std::vector<Structure>& structures);

}  // namespace adit::train
