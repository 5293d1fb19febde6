// The sampling-time form of a trained DiT. Sampling calls the network 2 x steps times on the
// same weights, so everything that does not depend on the input is done once here: weights cast
// to the compute dtype (bf16 on CUDA, so activations stay bf16 and no per-layer casts run), MASA
// banks materialised, the adaLN projections of all layers and of the final layer stacked into one
// matrix product per call, the "+1" of the modulation scale folded into its bias, the atom-index
// embedding tabulated. The forward then uses fused kernels where LibTorch has them: LayerNorm
// without affine, shift + x * scale as one addcmul, the gated residual as one in-place addcmul,
// and on CUDA the MLP's bias + tanh-GELU in the matrix product's epilogue (cuBLASLt).
// Same function as DiTImpl::forward (tests/models/test_dit_inference.cpp), without autograd.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "adit/models/dit.hpp"

namespace adit::models {

class DiTInference {
public:
    // Snapshot of `dit`'s weights on its device, in `dtype` (kFloat32 or kBFloat16). `attention`:
    // "fused" runs at::scaled_dot_product_attention (on a GPU cuDNN's or the memory-efficient
    // kernel, with the padding mask); "explicit" two batched products and a softmax, which for
    // QM9's ~20 atoms avoids the fused kernels' 64-row tiles (docs/BENCHMARKS.md, GPU, session 9).
    // The same function either way.
    DiTInference(DiTImpl& dit, torch::ScalarType dtype, const std::string& attention = "fused");

    // As DiTImpl::forward: x_t, x_sc [B, N, C] (x_sc ignored without self-conditioning, zeros if
    // undefined), t [B] float, label [B] int64, mask [B, N] bool. Returns x1 [B, N, C] in dtype().
    torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const torch::Tensor& label,
                          const torch::Tensor& mask, const torch::Tensor& x_sc = {}) const;

    // The additive attention mask forward() builds from `mask` ([B, 1, 1, N]: 0 or -inf, dtype();
    // undefined when nothing is padded); callers that run many forwards on one mask build it once
    // and pass it to forward_masked.
    torch::Tensor attention_mask(const torch::Tensor& mask) const;
    torch::Tensor forward_masked(const torch::Tensor& x_t, const torch::Tensor& t, const torch::Tensor& label,
                                 const torch::Tensor& mask, const torch::Tensor& attention_mask,
                                 const torch::Tensor& x_sc) const;

    const DiTOptions& options() const { return options_; }
    torch::ScalarType dtype() const { return dtype_; }

private:
    static constexpr std::int64_t kPositions = 512;  // tabulated atom indices (more: computed per call)
    // A linear map y = x W^T + b (weights already in dtype_).
    struct Linear {
        torch::Tensor weight, bias;
    };
    static constexpr double kNormEps = 1e-6;  // the blocks' LayerNorm (nn/transformer.cpp)
    torch::Tensor mlp(std::int64_t layer, const torch::Tensor& x) const;
    // q, k, v [B, H, N, dh]; attention_mask as attention_mask() builds it. Returns [B, N, H dh].
    torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                         const torch::Tensor& attention_mask) const;
    // x [..., in] -> [..., out] as one addmm over the flattened rows: the bias is added in the
    // matrix product's epilogue on CUDA (a 3-D at::linear of these weights ran an unfused bias add).
    static torch::Tensor apply(const Linear& f, const torch::Tensor& x);

    DiTOptions options_;
    torch::ScalarType dtype_;
    bool fused_gelu_ = false;  // cuBLASLt's bias + GELU epilogue (CUDA); CPU: addmm, then gelu_
    bool explicit_attention_ = false;
    Linear x_embed_, t_embed1_, t_embed2_, ada_, final_;
    torch::Tensor y_table_;                 // [num_classes + 1, d], fp32 (summed with the time embedding)
    // Per layer, each in its own storage: the fused Q/K/V projection [3d, d], the output one [d, d].
    std::vector<Linear> qkv_, o_;
    std::vector<Linear> mlp1_, mlp2_;
    torch::Tensor position_table_;          // [kPositions, d] in dtype: sinusoidal atom-index features
};

}  // namespace adit::models
