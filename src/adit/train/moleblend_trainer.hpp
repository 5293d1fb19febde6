// MoleBLEND pretraining, QM9-style property fine-tuning and prediction (models/moleblend.hpp),
// with the conventions of train/trainer.hpp: AdamW, an EMA of the weights, periodic validation,
// atomic self-describing checkpoints (models/checkpoint.hpp archive helpers) and exact resumption
// (parameters, optimiser moments, EMA; the batch order and every random draw are pure functions
// of (seed, step), so no RNG state has to be saved). Everything runs on `device`.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/data/dataset.hpp"
#include "adit/models/moleblend.hpp"

namespace adit::train {

// Checkpoint kinds (metadata "kind").
inline constexpr const char* kMoleBlendPretrainedKind = "moleblend";
inline constexpr const char* kMoleBlendPropertyKind = "moleblend-property";

// A property target: the file column, how its stored values become model units, and the units
// MAEs are reported in (the MoleBLEND paper's: meV for energies).
struct PropertyTarget {
    std::string name;          // column in /properties (e.g. "homo")
    std::string file_unit;     // as stored ("hartree")
    double to_model = 1.0;     // stored value * to_model = model/prediction units
    std::string unit;          // prediction units ("eV")
    double to_report = 1.0;    // model units * to_report = reported units
    std::string report_unit;   // "meV"
};
// Energies in hartree become eV (reported in meV); other units are kept as stored.
PropertyTarget property_target(const std::string& name, const std::string& file_unit);
nlohmann::json to_json(const PropertyTarget& t);
PropertyTarget property_target_from_json(const nlohmann::json& j);

// Molecules of a prepared dataset: the graph from /structures/smiles, the stored geometry
// matched onto it when `geometry` is set, and the targets' values (model units) when given.
struct MoleBlendSet {
    std::vector<models::MoleBlendMolecule> molecules;
    std::vector<std::int64_t> index;  // dataset index of each molecule
    std::int64_t no_smiles = 0, bad_smiles = 0, no_geometry_match = 0, missing_target = 0;
};
MoleBlendSet moleblend_set(const data::Dataset& dataset, const std::vector<std::int64_t>& indices, bool geometry,
                           const std::vector<PropertyTarget>& targets = {}, int threads = 0);

struct MoleBlendTrainOptions {
    std::int64_t steps = 1000;
    std::int64_t batch_size = 32;
    double lr = 2e-4;
    std::int64_t warmup_steps = 100;  // linear warm-up, then cosine decay to lr * min_lr_ratio
    double min_lr_ratio = 0.05;
    double weight_decay = 0.0;
    double ema_decay = 0.999;
    double grad_clip = 5.0;
    std::int64_t validate_every = 0;  // 0: only at the end
    std::int64_t checkpoint_every = 0;
    std::uint64_t seed = 0;
};
nlohmann::json to_json(const MoleBlendTrainOptions& o);
MoleBlendTrainOptions moleblend_train_options_from_json(const nlohmann::json& j);

struct MoleBlendRunOptions {
    torch::Device device = torch::kCPU;
    bool resume = false;
    std::int64_t stop_after = 0;  // stop (with a checkpoint) after this many steps in total (0: run all)
    const std::atomic<bool>* stop = nullptr;
    ProgressCallback progress;
};

struct MoleBlendTrainResult {
    std::vector<double> losses;     // training loss of each step run in this call
    std::int64_t step = 0;
    std::string checkpoint;
    nlohmann::json validation;      // last validation (pretraining losses, or per-target MAEs)
    nlohmann::json test;            // fine-tuning: per-target test MAEs (reported units)
    double seconds_per_step = 0;
};

// config: {"model": MoleBlendOptions, "blend": BlendOptions, "loss": LossWeights,
// "train": MoleBlendTrainOptions, ...kept verbatim}. Writes <out_dir>/moleblend.pt.
MoleBlendTrainResult pretrain_moleblend(const nlohmann::json& config, const std::vector<models::MoleBlendMolecule>& train_set,
                                        const std::vector<models::MoleBlendMolecule>& validation_set,
                                        const std::string& out_dir, const MoleBlendRunOptions& run);

// Fine-tunes a property model. `from` is a pretrained checkpoint (its model config is used and
// its weights loaded, property head new) or "scratch" (config["model"], random weights).
// config: {"model" (scratch only), "train": MoleBlendTrainOptions}. Targets are normalised by
// the training set's mean and std (stored in the checkpoint). Selects the EMA weights of the
// best validation step (mean normalised MAE) and reports test MAEs. Writes <out_dir>/model.pt.
struct FinetuneSpec {
    std::vector<PropertyTarget> targets;
    bool use_3d = false;
    std::string task;  // e.g. "qm9:homo,lumo,gap", recorded in the checkpoint
};
MoleBlendTrainResult finetune_moleblend(const nlohmann::json& config, const std::string& from, const FinetuneSpec& spec,
                                        const std::vector<models::MoleBlendMolecule>& train_set,
                                        const std::vector<models::MoleBlendMolecule>& validation_set,
                                        const std::vector<models::MoleBlendMolecule>& test_set,
                                        const std::string& out_dir, const MoleBlendRunOptions& run);

// A fine-tuned property model, ready to predict.
struct PropertyModel {
    models::MoleBlend model{nullptr};
    nlohmann::json metadata;
    std::vector<PropertyTarget> targets;
    std::vector<double> mean, std;  // per target, model units
    bool use_3d = false;
    torch::Device device = torch::kCPU;
};
PropertyModel load_property_model(const std::string& path, const torch::Device& device = torch::kCPU);
// Predictions in model units ([molecule][target]); 3D models need molecules with geometry.
std::vector<std::vector<double>> predict_properties(PropertyModel& model, const std::vector<models::MoleBlendMolecule>& molecules,
                                                    std::int64_t batch_size = 64);

// Loads a pretrained (kind "moleblend") checkpoint's EMA weights and config.
models::MoleBlend load_pretrained_moleblend(const std::string& path, nlohmann::json* metadata = nullptr,
                                            std::int64_t num_targets = 0);

}  // namespace adit::train
