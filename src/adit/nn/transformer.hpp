// Transformer stacks for every model here: pre-norm encoder blocks (the VAE) and adaLN-Zero
// DiT blocks (Peebles & Xie 2023) conditioned on a vector, both over one AttentionStack so that
// "standard" and "masa" attention are a config switch. Also the embeddings they share.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "adit/nn/attention.hpp"

namespace adit::nn {

struct TransformerOptions {
    std::int64_t d_model = 512;
    std::int64_t num_heads = 8;
    std::int64_t num_layers = 8;
    std::int64_t ff_dim = 2048;        // hidden width of each block's MLP (tanh-GELU)
    std::string attention = "standard";  // "standard" | "masa"
    std::int64_t masa_atoms = 0;       // S for masa
    std::int64_t cond_dim = 0;         // 0: pre-norm blocks; > 0: adaLN-Zero blocks conditioned on [B, cond_dim]
};

class TransformerImpl : public torch::nn::Module {
public:
    explicit TransformerImpl(const TransformerOptions& options);
    // x: [B, N, d]; mask: [B, N] bool (true = real atom); cond: [B, cond_dim] (adaLN only).
    // Returns [B, N, d] after the final LayerNorm (pre-norm) or the raw residual stream (adaLN;
    // the DiT's final layer applies its own modulated norm).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, const torch::Tensor& cond = {});
    const TransformerOptions& options() const { return options_; }

    AttentionStack attention{nullptr};
    torch::nn::ModuleList norm1, norm2, mlp, adaln;
    torch::nn::LayerNorm final_norm{nullptr};

private:
    TransformerOptions options_;
};
TORCH_MODULE(Transformer);

// Sinusoidal features of a real-valued input (time step, atom index): [...] -> [..., dim].
torch::Tensor sinusoidal_embedding(const torch::Tensor& x, std::int64_t dim, double max_period = 10000.0);

// Sinusoidal features followed by a 2-layer SiLU MLP (DiT's timestep embedder).
class ScalarEmbedderImpl : public torch::nn::Module {
public:
    ScalarEmbedderImpl(std::int64_t dim, std::int64_t frequency_dim = 256, double scale = 1.0);
    torch::Tensor forward(const torch::Tensor& x);  // [B] -> [B, dim]
private:
    std::int64_t frequency_dim_;
    double scale_;
    torch::nn::Sequential mlp_{nullptr};
};
TORCH_MODULE(ScalarEmbedder);

// 2-layer MLP with tanh-GELU: in -> hidden -> out.
torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t hidden, std::int64_t out);

// Parameters split by role, from module-path names: under an AttentionStack ("attention"),
// inside an MLP block ("mlp"), or anything else (embeddings, norms, heads, adaLN).
struct ParameterCounts {
    std::int64_t attention = 0, mlp = 0, other = 0;
    std::int64_t total() const { return attention + mlp + other; }
};
// Children named in `left_out` (top level) are not counted: a sampling-only release's VAE encoder.
ParameterCounts count_parameters(const torch::nn::Module& module, const std::vector<std::string>& left_out = {});

}  // namespace adit::nn
