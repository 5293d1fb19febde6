// The ADiT all-atom autoencoder (Joshi et al., ICML 2025, arXiv 2503.03965): a transformer
// encoder over atoms -> a per-atom Gaussian latent; a transformer decoder -> atom types,
// Cartesian and fractional coordinates per atom, lattice lengths and angles per system.
// Molecules and crystals share one model; a per-system weight table selects the loss terms.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adit/data/batch.hpp"
#include "adit/nn/transformer.hpp"

namespace adit::models {

// Loss weight of one term for each system kind (the reference's crystal / molecule pairs).
struct SystemWeights {
    double molecule = 0, crystal = 0;
};

struct VAELossWeights {
    SystemWeights atom_types{1, 1};
    SystemWeights lattice_lengths{0, 1};
    SystemWeights lattice_angles{0, 10};
    SystemWeights fractional{0, 10};
    SystemWeights cartesian{10, 0};
    double kl = 1e-5;
};

struct VAEOptions {
    std::int64_t d_model = 512;
    std::int64_t num_heads = 8;
    std::int64_t num_layers = 8;  // per transformer (encoder and decoder each)
    std::int64_t ff_dim = 2048;
    std::string attention = "standard";  // "standard" | "masa"
    std::int64_t masa_atoms = 0;
    std::int64_t latent_dim = 8;
    std::int64_t max_atomic_number = 100;  // type vocabulary: Z = 1..max (index 0 unused/padding)
    double denoise_fraction = 0.1;  // share of atoms whose input coordinates are perturbed in training
    double denoise_std = 0.1;       // perturbation std, in normalised coordinate units
    VAELossWeights weights;
};
nlohmann::json to_json(const VAEOptions& o);
VAEOptions vae_options_from_json(const nlohmann::json& j);  // missing keys keep their defaults

// Dataset statistics the model normalises with; saved in the checkpoint (buffers + metadata).
struct Normalization {
    double position_scale = 1.0;                  // Å per normalised Cartesian unit
    std::array<double, 6> lattice_mean{0, 0, 0, 90, 90, 90};  // a, b, c (Å), alpha, beta, gamma (deg)
    std::array<double, 6> lattice_std{1, 1, 1, 1, 1, 1};
};
Normalization compute_normalization(const data::Batch& all);  // from a collated training set
nlohmann::json to_json(const Normalization& n);
Normalization normalization_from_json(const nlohmann::json& j);

struct VAELoss {
    torch::Tensor total;  // scalar, differentiable
    // Detached diagnostics (plain numbers) for logs and validation.
    double types = 0, cartesian = 0, fractional = 0, lengths = 0, angles = 0, kl = 0;
    double type_accuracy = 0;   // over real atoms
    double cartesian_rmsd = 0;  // Å, molecules (0 if none in batch)
    double fractional_rmse = 0; // crystals, fractional units
    double length_mae = 0;      // Å, crystals
    double angle_mae = 0;       // degrees, crystals
};

class VAEImpl : public torch::nn::Module {
public:
    explicit VAEImpl(const VAEOptions& options, const Normalization& norm = {});

    // Mean and log-variance of the per-atom latent: 2 x [B, N, latent_dim]. `corrupt` applies
    // the denoising perturbation to the input coordinates.
    std::pair<torch::Tensor, torch::Tensor> encode(const data::Batch& batch, bool corrupt = false);

    struct Decoded {
        torch::Tensor type_logits;  // [B, N, max_z + 1]
        torch::Tensor cartesian;    // [B, N, 3] normalised
        torch::Tensor fractional;   // [B, N, 3]
        torch::Tensor lattice;      // [B, 6] normalised
    };
    Decoded decode(const torch::Tensor& z, const torch::Tensor& system, const torch::Tensor& mask);

    // Reconstruction + KL loss of one batch (training mode: corruption and latent sampling on).
    // metrics = false skips the diagnostic fields (each one a host synchronisation): only total.
    VAELoss loss(const data::Batch& batch, bool training, bool metrics = true);

    // Decodes latents to a physical batch: argmax types, Å, wrapped fractional, lattice in Å/deg.
    data::Batch decode_to_batch(const torch::Tensor& z, const torch::Tensor& system, const torch::Tensor& mask);

    // The weights that map a structure to its latent (encoder, input embeddings, latent head):
    // freezing them keeps the latent space, so DiTs trained on it stay valid while the decoder trains.
    std::vector<torch::Tensor> encoder_parameters();
    // The names of those modules, as the checkpoint stores them.
    static const std::vector<std::string>& encoder_module_names();

    // A VAE loaded from a sampling-only release (adit export --sampling-only) has no encoder
    // weights: it decodes, and encode() is an adit::Error.
    void mark_decoder_only() { decoder_only_ = true; }
    bool decoder_only() const { return decoder_only_; }
    // The top-level modules whose weights its file does not hold: the encoder's when decoder-only.
    std::vector<std::string> unstored_module_names() const {
        return decoder_only_ ? encoder_module_names() : std::vector<std::string>{};
    }

    const VAEOptions& options() const { return options_; }
    Normalization normalization() const;

    nn::Transformer encoder{nullptr}, decoder{nullptr};

private:
    torch::Tensor token_features(const torch::Tensor& mask, const torch::Tensor& system);  // index + system
    VAEOptions options_;
    torch::nn::Embedding type_embed{nullptr}, enc_system_embed{nullptr}, dec_system_embed{nullptr};
    torch::nn::Sequential cart_embed{nullptr}, frac_embed{nullptr}, lattice_head{nullptr};
    torch::nn::Linear latent_head{nullptr}, latent_in{nullptr}, type_head{nullptr}, cart_head{nullptr}, frac_head{nullptr};
    torch::Tensor position_scale_, lattice_mean_, lattice_std_;  // buffers
    bool decoder_only_ = false;
};
TORCH_MODULE(VAE);

}  // namespace adit::models
