// Multi-head self-attention for a stack of L layers whose Q, K, V and O projections come from
// one bank per projection type: either L independent matrices ("standard") or MASA's shared
// matrix dictionary (Zhussip et al. 2025, arXiv 2508.04581): W_l = sum_s c[l,s] * D_s over S
// atoms per projection type. The bank materialises all L matrices once per forward pass, then
// every layer runs exactly like a standard attention layer (fused kernels still apply).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace adit::nn {

struct AttentionOptions {
    std::int64_t d_model = 512;
    std::int64_t num_heads = 8;
    std::int64_t num_layers = 8;
    std::string kind = "standard";  // "standard" | "masa"
    std::int64_t masa_atoms = 0;    // S, number of shared matrices per projection type (masa only)
};

// Throws adit::Error on an unknown kind, S outside [1, L], or d_model not divisible by heads.
void validate(const AttentionOptions& options);

// The weights of one projection type (Q, K, V or O) for all L layers.
class ProjectionBankImpl : public torch::nn::Module {
public:
    ProjectionBankImpl(std::int64_t num_layers, std::int64_t dim, const std::string& kind, std::int64_t atoms);
    // All L matrices: [L, d, d] (y = x W^T + b, as torch::nn::Linear).
    torch::Tensor weights() const;
    bool shared() const { return shared_; }

    torch::Tensor weight;        // standard: [L, d, d]
    torch::Tensor atoms;         // masa: [S, d, d]
    torch::Tensor coefficients;  // masa: [L, S]
    torch::Tensor bias;          // [L, d], per layer in both kinds
private:
    bool shared_ = false;
};
TORCH_MODULE(ProjectionBank);

// The four banks of a transformer stack plus the attention computation itself.
class AttentionStackImpl : public torch::nn::Module {
public:
    explicit AttentionStackImpl(const AttentionOptions& options);

    struct Weights {
        torch::Tensor q, k, v, o;  // [L, d, d]
        torch::Tensor qkv;         // [L, 3d, d]: Q, K, V stacked, one matmul per layer
        torch::Tensor qkv_bias;    // [L, 3d]
    };
    Weights materialize() const;

    // Attention of layer `layer` given materialised weights.
    // x: [B, N, d]; mask: [B, N] bool (true = real token) or undefined; bias: optional additive
    // per-head bias of the attention logits, [B, H, N, N] (relation-biased attention, e.g.
    // MoleBLEND's blended relation matrix). Returns [B, N, d].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, const Weights& w, std::int64_t layer,
                          const torch::Tensor& bias = {}) const;

    const AttentionOptions& options() const { return options_; }
    ProjectionBank q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};

private:
    AttentionOptions options_;
};
TORCH_MODULE(AttentionStack);

// softmax(q k^T / sqrt(dh) + bias) v with padded keys masked out. q, k, v: [B, H, N, dh];
// key_mask: [B, N] bool or undefined; bias: [B, H, N, N] (or broadcastable) float added to the
// logits, or undefined. Uses the fused kernel on LibTorch >= 2 (at::scaled_dot_product_attention:
// flash / memory-efficient / cuDNN on CUDA), the explicit softmax path below otherwise.
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& key_mask, const torch::Tensor& bias = {});
// The explicit path (matmul, masked softmax, matmul), always available: the reference the
// fused kernel is checked against.
torch::Tensor scaled_dot_product_attention_explicit(const torch::Tensor& q, const torch::Tensor& k,
                                                    const torch::Tensor& v, const torch::Tensor& key_mask,
                                                    const torch::Tensor& bias = {});
// Whether scaled_dot_product_attention uses the fused kernel in this build.
bool fused_attention_available();

// Turns a trained standard stack's banks into MASA banks with `atoms` shared matrices each:
// the best rank-S approximation across layers (SVD of the L x d^2 matrix of stacked weights).
// Biases are copied. `target` must be a masa stack of the same shape.
void masa_from_standard(const AttentionStackImpl& standard, AttentionStackImpl& target);

}  // namespace adit::nn
