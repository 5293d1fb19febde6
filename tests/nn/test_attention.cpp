// Tests for src/adit/nn/attention.cpp and transformer.cpp: MASA sharing is exact at S = L with
// identity coefficients, its gradients match finite differences, parameter counts follow the
// paper's formula, and the SVD initialisation is the best rank-S fit across layers.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "adit/nn/attention.hpp"
#include "adit/nn/transformer.hpp"

using namespace adit::nn;

namespace {

// Copies every parameter with the same name and shape from `src` to `dst`.
void copy_matching(const torch::nn::Module& src, torch::nn::Module& dst) {
    torch::NoGradGuard g;
    auto sp = src.named_parameters();
    for (auto& p : dst.named_parameters())
        if (auto* s = sp.find(p.key()); s && s->sizes() == p.value().sizes()) p.value().copy_(*s);
}

torch::Tensor padded_mask() {
    auto mask = torch::ones({2, 5}, torch::kBool);
    mask[1].slice(0, 3) = false;  // second system has 3 atoms
    return mask;
}

}  // namespace

TEST_CASE("MASA with S = L and identity coefficients equals the standard transformer exactly", "[nn][masa]") {
    torch::manual_seed(1);
    for (std::int64_t cond : {std::int64_t(0), std::int64_t(16)}) {
        TransformerOptions o{32, 4, 3, 64, "standard", 0, cond};
        Transformer standard(o);
        o.attention = "masa";
        o.masa_atoms = 3;
        Transformer masa(o);
        copy_matching(*standard, *masa);
        {
            torch::NoGradGuard g;
            ProjectionBank s[4] = {standard->attention->q, standard->attention->k, standard->attention->v, standard->attention->o};
            ProjectionBank m[4] = {masa->attention->q, masa->attention->k, masa->attention->v, masa->attention->o};
            for (int p = 0; p < 4; ++p) {
                m[p]->atoms.copy_(s[p]->weight);
                m[p]->coefficients.copy_(torch::eye(3));
                m[p]->bias.copy_(torch::randn({3, 32}));
                s[p]->bias.copy_(m[p]->bias);
            }
            // adaLN-Zero starts at zero: give the modulation real weights so the blocks do work.
            for (auto& p : standard->named_parameters())
                if (p.key().find("adaln") != std::string::npos) p.value().normal_(0, 0.2);
            copy_matching(*standard, *masa);
        }
        auto x = torch::randn({2, 5, 32});
        auto c = cond ? torch::randn({2, cond}) : torch::Tensor();
        auto ys = standard->forward(x, padded_mask(), c);
        auto ym = masa->forward(x, padded_mask(), c);
        REQUIRE(torch::equal(ys, ym));
        REQUIRE(ys.abs().sum().item<double>() > 0);
    }
}

TEST_CASE("Padded atoms do not influence real ones", "[nn]") {
    torch::manual_seed(2);
    Transformer t(TransformerOptions{16, 2, 2, 32, "masa", 1, 0});
    auto x = torch::randn({2, 5, 16});
    auto y1 = t->forward(x, padded_mask());
    x[1].slice(0, 3) = 100.0;  // change only padding
    auto y2 = t->forward(x, padded_mask());
    REQUIRE(torch::allclose(y1[1].slice(0, 0, 3), y2[1].slice(0, 0, 3), 1e-5, 1e-6));
}

TEST_CASE("MASA layer gradients match finite differences (double precision)", "[nn][masa][gradcheck]") {
    torch::manual_seed(3);
    torch::set_default_dtype(caffe2::TypeMeta::Make<double>());
    AttentionStack stack(AttentionOptions{8, 2, 3, "masa", 2});
    torch::set_default_dtype(caffe2::TypeMeta::Make<float>());
    auto x = torch::randn({2, 5, 8}, torch::kFloat64);
    auto mask = padded_mask();
    auto target = torch::randn({2, 5, 8}, torch::kFloat64);
    auto objective = [&]() {
        auto w = stack->materialize();
        auto h = x;
        for (int l = 0; l < 3; ++l) h = h + stack->forward(h, mask, w, l);
        return ((h - target).pow(2) * mask.to(torch::kFloat64).unsqueeze(-1)).sum();
    };
    stack->zero_grad();
    objective().backward();
    int checked = 0;
    for (auto& p : stack->named_parameters()) {
        auto value = p.value();
        REQUIRE(value.scalar_type() == torch::kFloat64);
        auto grad = value.grad().clone();
        auto flat = value.view({-1});
        for (std::int64_t i = 0; i < flat.size(0); i += std::max<std::int64_t>(1, flat.size(0) / 7)) {
            double analytic = grad.view({-1})[i].item<double>();
            const double eps = 1e-6;
            double orig;
            {
                torch::NoGradGuard g;
                orig = flat[i].item<double>();
                flat[i] = orig + eps;
            }
            double up = objective().item<double>();
            {
                torch::NoGradGuard g;
                flat[i] = orig - eps;
            }
            double down = objective().item<double>();
            {
                torch::NoGradGuard g;
                flat[i] = orig;
            }
            double numeric = (up - down) / (2 * eps);
            INFO(p.key() << "[" << i << "] analytic " << analytic << " numeric " << numeric);
            REQUIRE(analytic == Approx(numeric).epsilon(1e-5).margin(1e-7));
            ++checked;
        }
    }
    REQUIRE(checked > 30);
}

TEST_CASE("MASA parameter counts follow S*d^2 + L*S per projection type", "[nn][masa]") {
    const std::int64_t d = 24, L = 6, S = 2;
    Transformer standard(TransformerOptions{d, 4, L, 48, "standard", 0, 0});
    Transformer masa(TransformerOptions{d, 4, L, 48, "masa", S, 0});
    auto cs = count_parameters(*standard), cm = count_parameters(*masa);
    REQUIRE(cs.attention == 4 * (L * d * d + L * d));
    REQUIRE(cm.attention == 4 * (S * d * d + L * S + L * d));
    REQUIRE(cs.mlp == cm.mlp);
    REQUIRE(cs.mlp == L * (d * 48 + 48 + 48 * d + d));
    REQUIRE(cs.other == cm.other);
    REQUIRE(cs.total() == std::int64_t(torch::nn::utils::parameters_to_vector(standard->parameters()).numel()));
}

TEST_CASE("MASA from a standard stack is the best rank-S fit across layers", "[nn][masa][compress]") {
    torch::manual_seed(4);
    const std::int64_t d = 8, L = 4;
    AttentionStack standard(AttentionOptions{d, 2, L, "standard", 0});
    {
        // Make the layers' Q matrices exactly rank 2 across layers: W_l = a_l A + b_l B.
        torch::NoGradGuard g;
        auto A = torch::randn({d, d}), Bm = torch::randn({d, d});
        for (int l = 0; l < L; ++l) standard->q->weight[l].copy_(double(l + 1) * A - double(l) * 0.5 * Bm);
    }
    AttentionStack exact(AttentionOptions{d, 2, L, "masa", L});
    masa_from_standard(*standard, *exact);
    for (auto [s, m] : {std::pair{standard->q, exact->q}, {standard->k, exact->k}, {standard->v, exact->v}, {standard->o, exact->o}})
        REQUIRE(torch::allclose(m->weights(), s->weight, 1e-4, 1e-5));
    AttentionStack rank2(AttentionOptions{d, 2, L, "masa", 2});
    masa_from_standard(*standard, *rank2);
    REQUIRE(torch::allclose(rank2->q->weights(), standard->q->weight, 1e-4, 1e-4));
    // The K matrices are random (full rank across layers): the rank-2 fit has the SVD tail error.
    auto sv = torch::linalg_svdvals(standard->k->weight.reshape({L, -1}).to(torch::kFloat64));
    auto err = (rank2->k->weights() - standard->k->weight).pow(2).sum().item<double>();
    auto tail = sv.slice(0, 2).pow(2).sum().item<double>();
    REQUIRE(err == Approx(tail).epsilon(1e-3));
}

TEST_CASE("Fused and explicit attention agree, padding mask included, values and gradients", "[nn][attention]") {
    torch::manual_seed(7);
    const std::int64_t B = 3, H = 2, N = 6, dh = 4;
    auto q = torch::randn({B, H, N, dh}, torch::kFloat64).requires_grad_(true);
    auto k = torch::randn({B, H, N, dh}, torch::kFloat64).requires_grad_(true);
    auto v = torch::randn({B, H, N, dh}, torch::kFloat64).requires_grad_(true);
    auto mask = torch::ones({B, N}, torch::kBool);
    mask[0].slice(0, 4) = false;  // 4 real atoms
    mask[2].slice(0, 1) = false;  // a single real atom

    // Ground truth written out row by row: softmax over the real keys only.
    auto expected = torch::zeros({B, H, N, dh}, torch::kFloat64);
    for (std::int64_t b = 0; b < B; ++b) {
        const auto n = mask[b].sum().item<std::int64_t>();
        for (std::int64_t h = 0; h < H; ++h) {
            auto s = torch::matmul(q[b][h], k[b][h].slice(0, 0, n).t()) / std::sqrt(double(dh));  // [N, n]
            expected[b][h] = torch::matmul(torch::softmax(s, -1), v[b][h].slice(0, 0, n)).detach();
        }
    }
    auto explicit_out = adit::nn::scaled_dot_product_attention_explicit(q, k, v, mask);
    CHECK(torch::allclose(explicit_out, expected, 1e-10, 1e-12));
    // The dispatching entry point (fused kernel on LibTorch >= 2, explicit on 1.13).
    auto out = adit::nn::scaled_dot_product_attention(q, k, v, mask);
    CHECK(torch::allclose(out, expected, 1e-9, 1e-10));

    auto w = torch::randn({B, H, N, dh}, torch::kFloat64);
    auto g_explicit = torch::autograd::grad({(explicit_out * w).sum()}, {q, k, v});
    auto g_out = torch::autograd::grad({(out * w).sum()}, {q, k, v});
    for (int i = 0; i < 3; ++i) CHECK(torch::allclose(g_explicit[i], g_out[i], 1e-9, 1e-10));
    if (adit::nn::fused_attention_available()) SUCCEED("compared the fused kernel with the explicit path");
    else SUCCEED("LibTorch < 2: only the explicit path exists; checked against the row-by-row reference");
}
