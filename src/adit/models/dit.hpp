// The latent diffusion transformer of ADiT: DiT blocks with adaLN-Zero conditioning on the
// time step and the system label (a null label for classifier-free guidance) over the
// sequence of per-atom VAE latents, trained by flow matching with the linear interpolant
// x_t = (1 - t) x0 + t x1, predicting the clean x1, with self-conditioning.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "adit/nn/transformer.hpp"

namespace adit::models {

struct DiTOptions {
    std::int64_t d_model = 384;  // DiT-S
    std::int64_t num_heads = 6;
    std::int64_t num_layers = 12;
    std::int64_t mlp_ratio = 4;
    std::string attention = "standard";  // "standard" | "masa"
    std::int64_t masa_atoms = 0;
    std::int64_t latent_dim = 8;
    std::int64_t num_classes = 2;  // system labels; label num_classes is the null (unconditional) label
    double class_dropout = 0.1;    // share of training examples given the null label (for CFG)
    bool self_condition = true;
    double t_min = 0.01, t_max = 0.99;  // training time range (uniform)
    bool center_noise = false;  // centre x0 per system (over its real atoms)
};
nlohmann::json to_json(const DiTOptions& o);
DiTOptions dit_options_from_json(const nlohmann::json& j);

class DiTImpl : public torch::nn::Module {
public:
    explicit DiTImpl(const DiTOptions& options, double latent_scale = 1.0);

    // x_t, x_sc: [B, N, C] (x_sc = previous x1 estimate, zeros if none); t: [B] in [0, 1];
    // label: [B] int64 in [0, num_classes] (num_classes = null); mask: [B, N] bool.
    // Returns the estimate of x1: [B, N, C] (in normalised latent units).
    torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const torch::Tensor& label,
                          const torch::Tensor& mask, const torch::Tensor& x_sc = {});

    // Flow-matching loss on clean normalised latents x1 [B, N, C] of systems `label` [B].
    torch::Tensor loss(const torch::Tensor& x1, const torch::Tensor& label, const torch::Tensor& mask);

    // Standard normal noise [B, N, C], zero on padding, optionally centred per system.
    torch::Tensor sample_noise(const torch::Tensor& mask) const;

    const DiTOptions& options() const { return options_; }
    double latent_scale() const { return latent_scale_.item<double>(); }  // VAE latent std

    nn::Transformer blocks{nullptr};
    // The time embedding: sinusoidal features of kTimeScale * t (kTimeFrequencies of them).
    static constexpr std::int64_t kTimeFrequencies = 256;
    static constexpr double kTimeScale = 1000.0;

private:
    DiTOptions options_;
    torch::nn::Linear x_embed{nullptr}, final_linear{nullptr};
    nn::ScalarEmbedder t_embed{nullptr};
    torch::nn::Embedding y_embed{nullptr};
    torch::nn::Sequential final_adaln{nullptr};
    torch::nn::LayerNorm final_norm{nullptr};
    torch::Tensor latent_scale_;  // buffer
};
TORCH_MODULE(DiT);

// Deepening: copies a trained DiT into `deeper`, a freshly built DiT of the same configuration
// but more layers. The source's blocks become the first layers (the stacked [L, ...] banks,
// biases and MASA coefficients alike, are copied into their leading slices) and everything else
// is copied as it is, MASA's shared dictionary of matrices included; the added blocks keep their
// initialisation (MASA: fresh coefficient rows over the trained dictionary), whose zero adaLN
// gates make each one the identity, so `deeper` computes what `source` does until training
// moves those gates.
void deepen_into(const DiTImpl& source, DiTImpl& deeper);

}  // namespace adit::models
