// adaLN's elementwise steps (nn/modulation.hpp) against the formulas written out, on the CPU; on a
// CUDA build with adit's kernels and a GPU, the bf16 kernels against the same formulas too.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include "adit/nn/modulation.hpp"

using namespace adit;

namespace {

// shift + (x - mean) / sqrt(var + eps) * scale1 per row, in float64.
torch::Tensor reference_norm(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale1, double eps) {
    auto x64 = x.to(torch::kFloat64);
    auto mean = x64.mean(-1, true);
    auto var = (x64 - mean).pow(2).mean(-1, true);
    return shift.to(torch::kFloat64) + (x64 - mean) / torch::sqrt(var + eps) * scale1.to(torch::kFloat64);
}

// Per-item rows as the DiT's inference form passes them: [B, 1, d] slices of one [B, K, 1, d].
std::pair<torch::Tensor, torch::Tensor> item_rows(std::int64_t B, std::int64_t d, const torch::TensorOptions& o) {
    auto mods = torch::randn({B, 5, 1, d}, o);
    return {mods.select(1, 1), mods.select(1, 3)};
}

}  // namespace

TEST_CASE("modulated LayerNorm and gated residual compute their formulas", "[nn]") {
    torch::manual_seed(11);
    const std::int64_t B = 3, N = 7, d = 40;
    auto x = torch::randn({B, N, d}) * 2 + 0.5;
    auto [shift, scale1] = item_rows(B, d, torch::TensorOptions());
    auto h = nn::modulated_layer_norm(x, shift, scale1, 1e-6);
    REQUIRE(h.sizes() == x.sizes());
    REQUIRE(torch::allclose(h.to(torch::kFloat64), reference_norm(x, shift, scale1, 1e-6), 1e-5, 1e-5));
    // Each item takes its own row: swapping two items' rows changes only those items.
    auto swapped = nn::modulated_layer_norm(x, shift.flip(0), scale1.flip(0), 1e-6);
    REQUIRE(torch::allclose(swapped[1], h[1]));
    REQUIRE_FALSE(torch::allclose(swapped[0], h[0]));

    auto y = torch::randn({B, N, d});
    auto expected = x.to(torch::kFloat64) + shift.to(torch::kFloat64) * y.to(torch::kFloat64);
    auto target = x.clone();
    nn::gated_residual_(target, shift, y);
    REQUIRE(torch::allclose(target.to(torch::kFloat64), expected, 1e-6, 1e-6));
}

TEST_CASE("modulation kernels match the formulas in bf16 on a GPU", "[nn][cuda]") {
    if (!torch::cuda::is_available()) {
        WARN("no GPU: the CUDA kernels are not exercised here");
        return;
    }
    INFO("kernels built: " << nn::modulation_kernels_built());
    torch::manual_seed(12);
    const auto o = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kBFloat16);
    for (std::int64_t d : {192, 384, 1024}) {
        const std::int64_t B = 33, N = 19;  // rows not a multiple of the 8 per block
        auto x = (torch::randn({B, N, d}, o.dtype(torch::kFloat32)) * 3 + 1).to(torch::kBFloat16);
        auto [shift, scale1] = item_rows(B, d, o);
        auto h = nn::modulated_layer_norm(x, shift, scale1, 1e-6);
        auto ref = reference_norm(x.cpu(), shift.cpu(), scale1.cpu(), 1e-6);
        INFO("d " << d << " max difference " << (h.cpu().to(torch::kFloat64) - ref).abs().max().item<double>());
        REQUIRE(torch::allclose(h.cpu().to(torch::kFloat64), ref, 2e-2, 5e-2));  // bf16: 8 bits
        auto y = torch::randn({B, N, d}, o);
        auto target = x.clone();
        nn::gated_residual_(target, shift, y);
        auto expected = x.cpu().to(torch::kFloat64) + shift.cpu().to(torch::kFloat64) * y.cpu().to(torch::kFloat64);
        REQUIRE(torch::allclose(target.cpu().to(torch::kFloat64), expected, 2e-2, 5e-2));
    }
}
