// adaLN's elementwise steps (see modulation.hpp). ADIT_WITH_CUDA_KERNELS is defined by CMake for
// this file when modulation_kernels.cu is part of the build.
#include "adit/nn/modulation.hpp"

#include <cstdint>

#include "adit/core/error.hpp"

#ifdef ADIT_WITH_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "adit/nn/modulation_kernels.h"
#endif

namespace adit::nn {

namespace {

#ifdef ADIT_WITH_CUDA_KERNELS
bool aligned16(const torch::Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 16 == 0; }

// The kernels' layout: bf16 on one GPU, x and y contiguous [B, N, d] with d a multiple of 8 up to
// 1,024, the per-item rows [B, 1, d] contiguous along d, 16-byte aligned, 8-element batch stride.
bool kernel_fits(const torch::Tensor& x, const torch::Tensor& per_item, const torch::Tensor& y) {
    const auto d = x.size(-1);
    auto rows_ok = [&](const torch::Tensor& t) {
        return t.is_cuda() && t.scalar_type() == torch::kBFloat16 && t.dim() == 3 && aligned16(t) &&
               t.get_device() == x.get_device();
    };
    return rows_ok(x) && rows_ok(y) && rows_ok(per_item) && x.is_contiguous() && y.is_contiguous() && x.sizes() == y.sizes() &&
           d % 8 == 0 && d <= 1024 && per_item.size(0) == x.size(0) && per_item.size(1) == 1 && per_item.size(2) == d &&
           per_item.stride(2) == 1 && per_item.stride(0) % 8 == 0;
}

void check(int status, const char* what) {
    if (status != 0) fail("{}: CUDA error {} ({})", what, status, cudaGetErrorString(static_cast<cudaError_t>(status)));
}
#endif

}  // namespace

bool modulation_kernels_built() {
#ifdef ADIT_WITH_CUDA_KERNELS
    return true;
#else
    return false;
#endif
}

torch::Tensor modulated_layer_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale1,
                                   double eps) {
#ifdef ADIT_WITH_CUDA_KERNELS
    if (kernel_fits(x, shift, x) && kernel_fits(x, scale1, x) && shift.stride(0) == scale1.stride(0)) {
        auto y = torch::empty_like(x);
        check(adit_modulated_layer_norm_bf16(x.data_ptr(), shift.data_ptr(), scale1.data_ptr(), y.data_ptr(),
                                             long(x.size(0) * x.size(1)), long(x.size(1)), int(x.size(2)),
                                             long(shift.stride(0)), float(eps), c10::cuda::getCurrentCUDAStream().stream()),
              "modulated LayerNorm kernel");
        return y;
    }
#endif
    return torch::addcmul(shift, torch::layer_norm(x, {x.size(-1)}, {}, {}, eps), scale1);
}

void gated_residual_(torch::Tensor& x, const torch::Tensor& gate, const torch::Tensor& y) {
#ifdef ADIT_WITH_CUDA_KERNELS
    if (kernel_fits(x, gate, y)) {
        check(adit_gated_residual_bf16(x.data_ptr(), gate.data_ptr(), y.data_ptr(), long(x.size(0) * x.size(1)),
                                       long(x.size(1)), int(x.size(2)), long(gate.stride(0)),
                                       c10::cuda::getCurrentCUDAStream().stream()),
              "gated residual kernel");
        return;
    }
#endif
    x.addcmul_(gate, y);
}

}  // namespace adit::nn
