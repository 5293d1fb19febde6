// adaLN's two elementwise steps in a DiT block at sampling time:
//   h = LayerNorm(x) * scale1 + shift     (LayerNorm without affine; scale1 = 1 + scale)
//   x += gate * y                         (the gated residual)
// with shift, scale1 and gate one row per batch item, broadcast over its atoms. On a CUDA build
// with adit's kernels (CMake ADIT_CUDA_KERNELS) and bf16 tensors on a GPU each is one fused kernel
// (modulation_kernels.cu); everywhere else the same LibTorch ops as before. No autograd: for the
// inference form (models/dit_inference.hpp), not for training.
#pragma once

#include <torch/torch.h>

namespace adit::nn {

// x [B, N, d]; shift, scale1 [B, 1, d] (any batch stride). Returns h [B, N, d] in x's dtype.
torch::Tensor modulated_layer_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale1,
                                   double eps);

// x [B, N, d] += gate [B, 1, d] * y [B, N, d], in place.
void gated_residual_(torch::Tensor& x, const torch::Tensor& gate, const torch::Tensor& y);

// Whether this build carries the CUDA kernels (tests and benchmarks report it).
bool modulation_kernels_built();

}  // namespace adit::nn
