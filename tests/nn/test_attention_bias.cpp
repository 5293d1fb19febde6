// Additive per-head attention bias (nn::scaled_dot_product_attention / AttentionStack::forward
// with `bias`), as relation-biased models (MoleBLEND) use it.
#include <catch2/catch.hpp>

#include <cmath>

#include "adit/nn/attention.hpp"

// c10's logging (glog) defines its own CHECK, which aborts instead of reporting: use Catch's.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

TEST_CASE("attention bias: added to the logits, combined with the key mask", "[nn][attention]") {
    torch::manual_seed(1);
    const std::int64_t B = 2, H = 3, N = 5, dh = 4;
    auto q = torch::randn({B, H, N, dh}), k = torch::randn({B, H, N, dh}), v = torch::randn({B, H, N, dh});
    auto mask = torch::ones({B, N}, torch::kBool);
    mask[1][4] = false;
    auto bias = torch::randn({B, H, N, N});
    // Reference: softmax(q k^T / sqrt(dh) + bias) v with the padded key at -inf.
    auto logits = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(dh)) + bias;
    logits = logits.masked_fill(mask.logical_not().view({B, 1, 1, N}), -INFINITY);
    auto expected = torch::matmul(torch::softmax(logits, -1), v);
    auto got = adit::nn::scaled_dot_product_attention(q, k, v, mask, bias);
    CHECK(torch::allclose(got, expected, 1e-5, 1e-5));
    // A zero bias is no bias.
    CHECK(torch::allclose(adit::nn::scaled_dot_product_attention(q, k, v, mask, torch::zeros({B, H, N, N})),
                          adit::nn::scaled_dot_product_attention(q, k, v, mask), 1e-5, 1e-5));
    // Through the stack: a bias changes the output, and the gradient reaches it.
    adit::nn::AttentionOptions o;
    o.d_model = 12;
    o.num_heads = H;
    o.num_layers = 2;
    adit::nn::AttentionStack stack(o);
    auto x = torch::randn({B, N, 12});
    auto b = torch::zeros({B, H, N, N}, torch::requires_grad());
    auto w = stack->materialize();
    auto plain = stack->forward(x, mask, w, 1);
    auto biased = stack->forward(x, mask, w, 1, b);
    CHECK(torch::allclose(plain, biased, 1e-5, 1e-5));
    biased.sum().backward();
    REQUIRE(b.grad().defined());
    CHECK(b.grad().abs().sum().item<double>() > 0);
    CHECK_FALSE(torch::allclose(stack->forward(x, mask, w, 1, torch::randn({B, H, N, N}) * 3), plain));
}
