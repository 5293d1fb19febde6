// adaLN's elementwise steps for the sampler on CUDA (modulation_kernels.h). LibTorch runs the
// modulated LayerNorm as two kernels (the norm, then a broadcast addcmul that ATen does not
// vectorise) and the gated residual as a broadcast addcmul_: together ~45 % of a DiT layer's
// non-matmul time when sampling (docs/BENCHMARKS.md, GPU, session 9). Here each is one pass:
// read x (and y) once, write once, 16-byte loads, fp32 arithmetic.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "adit/nn/modulation_kernels.h"

namespace {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 8;  // one warp per row
constexpr int kMaxVectors = 4;    // 8-element vectors per lane: d <= 4 * 32 * 8 = 1024

struct alignas(16) Vec8 {
    __nv_bfloat162 h[4];
};

__device__ __forceinline__ void load8(const __nv_bfloat16* p, float* out) {
    const Vec8 v = *reinterpret_cast<const Vec8*>(p);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const float2 f = __bfloat1622float2(v.h[i]);
        out[2 * i] = f.x;
        out[2 * i + 1] = f.y;
    }
}

__device__ __forceinline__ void store8(__nv_bfloat16* p, const float* in) {
    Vec8 v;
#pragma unroll
    for (int i = 0; i < 4; ++i) v.h[i] = __floats2bfloat162_rn(in[2 * i], in[2 * i + 1]);
    *reinterpret_cast<Vec8*>(p) = v;
}

__device__ __forceinline__ float warp_sum(float s) {
#pragma unroll
    for (int offset = kWarp / 2; offset > 0; offset /= 2) s += __shfl_xor_sync(0xffffffffu, s, offset);
    return s;
}

__global__ void modulated_layer_norm_kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ shift,
                                            const __nv_bfloat16* __restrict__ scale1, __nv_bfloat16* __restrict__ y,
                                            long rows, long rows_per_item, int d, long mod_stride, float eps) {
    const long row = long(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
    if (row >= rows) return;  // whole warps leave together: the shuffles below see all 32 lanes
    const int lane = threadIdx.x % kWarp, vectors = d / 8;
    const __nv_bfloat16* xr = x + row * d;
    float v[kMaxVectors][8];
    float sum = 0;
#pragma unroll
    for (int k = 0; k < kMaxVectors; ++k) {
        const int c = lane + k * kWarp;
        if (c < vectors) {
            load8(xr + c * 8, v[k]);
#pragma unroll
            for (int i = 0; i < 8; ++i) sum += v[k][i];
        }
    }
    const float mean = warp_sum(sum) / float(d);
    float squares = 0;  // two passes over the registers: no cancellation in E[x^2] - mean^2
#pragma unroll
    for (int k = 0; k < kMaxVectors; ++k) {
        if (lane + k * kWarp < vectors) {
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const float t = v[k][i] - mean;
                squares += t * t;
            }
        }
    }
    const float rstd = rsqrtf(warp_sum(squares) / float(d) + eps);
    const long item = row / rows_per_item;
    const __nv_bfloat16* sh = shift + item * mod_stride;
    const __nv_bfloat16* sc = scale1 + item * mod_stride;
    __nv_bfloat16* yr = y + row * d;
#pragma unroll
    for (int k = 0; k < kMaxVectors; ++k) {
        const int c = lane + k * kWarp;
        if (c < vectors) {
            float s[8], t[8], out[8];
            load8(sc + c * 8, s);
            load8(sh + c * 8, t);
#pragma unroll
            for (int i = 0; i < 8; ++i) out[i] = (v[k][i] - mean) * rstd * s[i] + t[i];
            store8(yr + c * 8, out);
        }
    }
}

__global__ void gated_residual_kernel(__nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ gate,
                                      const __nv_bfloat16* __restrict__ y, long total_vectors, long rows_per_item, int d,
                                      long gate_stride) {
    const long i = long(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= total_vectors) return;
    const int per_row = d / 8;
    const long row = i / per_row;
    const int c = int(i % per_row);
    float xv[8], gv[8], yv[8];
    load8(x + row * d + c * 8, xv);
    load8(gate + (row / rows_per_item) * gate_stride + c * 8, gv);
    load8(y + row * d + c * 8, yv);
#pragma unroll
    for (int k = 0; k < 8; ++k) xv[k] += gv[k] * yv[k];
    store8(x + row * d + c * 8, xv);
}

}  // namespace

extern "C" int adit_modulated_layer_norm_bf16(const void* x, const void* shift, const void* scale1, void* y, long rows,
                                              long rows_per_item, int d, long mod_stride, float eps, void* stream) {
    if (rows <= 0) return int(cudaSuccess);
    const unsigned blocks = unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock);
    modulated_layer_norm_kernel<<<blocks, kRowsPerBlock * kWarp, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(shift),
        static_cast<const __nv_bfloat16*>(scale1), static_cast<__nv_bfloat16*>(y), rows, rows_per_item, d, mod_stride, eps);
    return int(cudaGetLastError());
}

extern "C" int adit_gated_residual_bf16(void* x, const void* gate, const void* y, long rows, long rows_per_item, int d,
                                        long gate_stride, void* stream) {
    const long total = rows * (d / 8);
    if (total <= 0) return int(cudaSuccess);
    constexpr int threads = 256;
    const unsigned blocks = unsigned((total + threads - 1) / threads);
    gated_residual_kernel<<<blocks, threads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<__nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(gate), static_cast<const __nv_bfloat16*>(y), total,
        rows_per_item, d, gate_stride);
    return int(cudaGetLastError());
}
