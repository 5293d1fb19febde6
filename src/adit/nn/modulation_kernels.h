// C entry points of the adaLN kernels in modulation_kernels.cu. Plain C types only, so that the
// CUDA file needs no LibTorch headers (it compiles in seconds with nvcc) and modulation.cpp, the
// only caller, needs no CUDA language. bf16 tensors, row-major; see modulation.hpp for the maths.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// y[r, :] = LayerNorm(x[r, :]) * scale1[b, :] + shift[b, :] for the rows r of x [rows, d], where
// b = r / rows_per_item and shift, scale1 rows are mod_stride elements apart. d a multiple of 8,
// at most 1024; every pointer 16-byte aligned and mod_stride a multiple of 8. Returns a cudaError_t.
int adit_modulated_layer_norm_bf16(const void* x, const void* shift, const void* scale1, void* y, long rows,
                                   long rows_per_item, int d, long mod_stride, float eps, void* stream);

// x[r, :] += gate[b, :] * y[r, :], the same layout rules. Returns a cudaError_t.
int adit_gated_residual_bf16(void* x, const void* gate, const void* y, long rows, long rows_per_item, int d,
                             long gate_stride, void* stream);

#ifdef __cplusplus
}
#endif
