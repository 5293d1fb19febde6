// Self-describing model files. A checkpoint is one torch archive holding:
//   "metadata"  JSON text: format_version, kind ("vae" | "dit"), the full config, the element
//               vocabulary, normalisation constants, training step, atom-count histograms (dit);
//   "model"     the raw parameters and buffers;  "ema"  the EMA shadow parameters (by name);
//   "optimizer", "rng"  training state for --resume;  "vae"  (dit only) the embedded VAE
//               (its metadata and EMA weights) so that one file samples; a release exported with
//               --vae-file has none: its metadata's "external_vae" names the VAE release next to it.
// Metadata is checked at load: a wrong format version or kind is an adit::Error naming the file.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "adit/models/dit.hpp"
#include "adit/models/vae.hpp"

namespace adit::models {

constexpr int kCheckpointFormatVersion = 1;

// Metadata of any checkpoint, validated (format version; kind if `expected_kind` is non-empty).
nlohmann::json read_checkpoint_metadata(const std::string& path, const std::string& expected_kind = "");

// Archive helpers shared by the trainer and the loaders.
void write_json(torch::serialize::OutputArchive& archive, const std::string& key, const nlohmann::json& j);
nlohmann::json read_json(torch::serialize::InputArchive& archive, const std::string& key);
void check_metadata(const nlohmann::json& meta, const std::string& path, const std::string& expected_kind);
// Copies the EMA shadow tensors stored under "ema" (if any) into the module's parameters.
void load_ema_into(torch::serialize::InputArchive& archive, torch::nn::Module& module);

struct LoadedVAE {
    VAE model{nullptr};
    nlohmann::json metadata;
};
struct LoadedDiT {
    DiT model{nullptr};
    VAE vae{nullptr};
    nlohmann::json metadata;
};

// Builds the model from the stored config and loads its weights; `ema` picks the EMA weights
// (what sampling should use) when the file has them. Models are returned in eval mode on CPU.
LoadedVAE load_vae(const std::string& path, bool ema = true);
// A DiT release written with `adit export --vae-file` holds no VAE: its metadata's "external_vae"
// names a VAE release in the same folder and that file's SHA-256, and load_dit loads it from there
// (an adit::Error when the file is missing or differs).
LoadedDiT load_dit(const std::string& path, bool ema = true);
// `dit` (loaded from dit_path, EMA weights) decodes with exactly `vae` (from vae_path): the same
// config and normalisation, the same weights once both are in half precision (a sampling-only
// release's missing encoder is not compared), or an adit::Error that starts with `option` (the
// flag that named vae_path).
void check_same_vae(const LoadedDiT& dit, const std::string& dit_path, const LoadedVAE& vae, const std::string& vae_path,
                    const std::string& option);

// Either kind, for `adit info`: returns the kind and parameter counts of every network.
nlohmann::json describe_checkpoint(const std::string& path);

}  // namespace adit::models
