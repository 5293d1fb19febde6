// The sampling-time DiT (models/dit_inference.hpp) against the training module's forward, and
// the "fast" sampler engine against the "module" one (sample/sampler.hpp), on CPU in fp32.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include "adit/models/dit.hpp"
#include "adit/models/dit_inference.hpp"
#include "adit/sample/sampler.hpp"

using namespace adit;

namespace {

// A small DiT whose weights are all random: adaLN-Zero starts every block (and the output) at
// zero, which would hide any mistake in the modulation or the final layer.
models::DiT random_dit(const std::string& attention, bool self_condition) {
    models::DiTOptions o;
    o.d_model = 48;
    o.num_heads = 4;
    o.num_layers = 3;
    o.attention = attention;
    o.masa_atoms = attention == "masa" ? 2 : 0;
    o.latent_dim = 6;
    o.self_condition = self_condition;
    torch::manual_seed(7);
    models::DiT dit(o);
    torch::NoGradGuard no_grad;
    for (auto& p : dit->parameters()) p.copy_(torch::randn_like(p) * 0.3);
    dit->eval();
    return dit;
}

// Three systems of 5, 3 and 4 atoms padded to 5.
torch::Tensor ragged_mask() {
    return torch::arange(5).unsqueeze(0) < torch::tensor({5, 3, 4}, torch::kInt64).unsqueeze(1);
}

}  // namespace

TEST_CASE("DiT inference form computes the module's forward (standard and MASA, with and without self-conditioning)",
          "[models][sample]") {
    for (const std::string attention : {"standard", "masa"}) {
        for (bool sc : {true, false}) {
            auto dit = random_dit(attention, sc);
            const models::DiTInference fast(*dit, torch::kFloat32);
            const auto mask = ragged_mask();
            const auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
            auto x = torch::randn({3, 5, 6}) * maskf, x_sc = torch::randn({3, 5, 6}) * maskf;
            auto t = torch::tensor({0.1f, 0.5f, 0.93f});
            auto label = torch::tensor({0, 1, 2}, torch::kInt64);  // 2 = the null label
            torch::NoGradGuard no_grad;
            auto expected = dit->forward(x, t, label, mask, x_sc);
            auto got = fast.forward(x, t, label, mask, x_sc);
            INFO(attention << (sc ? " self-conditioned" : "") << ": max difference "
                           << (got - expected).abs().max().item<double>());
            REQUIRE(expected.abs().max().item<double>() > 0.1);  // the check is not on zeros
            REQUIRE(torch::allclose(got, expected, 1e-4, 1e-4));
            REQUIRE(got.masked_select(mask.logical_not().unsqueeze(-1).expand_as(got)).abs().max().item<double>() == 0.0);
            // Without a self-conditioning input both take zeros.
            REQUIRE(torch::allclose(fast.forward(x, t, label, mask), dit->forward(x, t, label, mask), 1e-4, 1e-4));
        }
    }
}

TEST_CASE("DiT inference form: explicit attention computes the fused one", "[models][sample]") {
    auto dit = random_dit("standard", true);
    const models::DiTInference fused(*dit, torch::kFloat32, "fused");
    const models::DiTInference explicit_form(*dit, torch::kFloat32, "explicit");
    const auto mask = ragged_mask();
    const auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    torch::manual_seed(5);
    auto x = torch::randn({3, 5, 6}) * maskf, x_sc = torch::randn({3, 5, 6}) * maskf;
    auto t = torch::tensor({0.2f, 0.6f, 0.9f});
    auto label = torch::tensor({1, 0, 2}, torch::kInt64);
    auto expected = fused.forward(x, t, label, mask, x_sc);
    auto got = explicit_form.forward(x, t, label, mask, x_sc);
    INFO("max difference " << (got - expected).abs().max().item<double>());
    REQUIRE(expected.abs().max().item<double>() > 0.1);
    REQUIRE(torch::allclose(got, expected, 1e-5, 1e-5));
    // Unpadded (no mask) too.
    auto full = torch::ones({2, 4}, torch::kBool);
    auto y = torch::randn({2, 4, 6});
    REQUIRE(torch::allclose(explicit_form.forward(y, t.narrow(0, 0, 2), label.narrow(0, 0, 2), full),
                            fused.forward(y, t.narrow(0, 0, 2), label.narrow(0, 0, 2), full), 1e-5, 1e-5));
    REQUIRE_THROWS_WITH(models::DiTInference(*dit, torch::kFloat32, "flash"), Catch::Contains("\"fused\" or \"explicit\""));
}

TEST_CASE("fast and module sampler engines integrate to the same latents (Euler and Heun, guided and not, refined and not)",
          "[sample]") {
    auto dit = random_dit("standard", true);
    const auto mask = ragged_mask();
    const auto label = torch::tensor({0, 1, 0}, torch::kInt64);
    for (const std::string method : {"euler", "heun"}) {
        for (double cfg : {2.0, 1.0, 0.0}) {
            for (std::int64_t refine : {0, 2}) {
                sample::SamplerOptions o;
                o.steps = 8;
                o.method = method;
                o.cfg_scale = cfg;
                o.refine = refine;
                o.engine = "module";
                torch::manual_seed(3);
                auto expected = sample::sample_latents(*dit, label, mask, o);
                o.engine = "fast";
                torch::manual_seed(3);
                auto got = sample::sample_latents(*dit, label, mask, o);
                INFO(method << " cfg " << cfg << " refine " << refine << ": max difference "
                            << (got - expected).abs().max().item<double>());
                REQUIRE(expected.abs().max().item<double>() > 0.1);
                REQUIRE(torch::allclose(got, expected, 1e-4, 1e-4));
            }
        }
    }
    sample::SamplerOptions bad;
    bad.engine = "turbo";
    REQUIRE_THROWS_WITH(sample::sample_latents(*dit, label, mask, bad), Catch::Contains("engine"));
    bad = {};
    bad.guidance_until = 0.0;
    REQUIRE_THROWS_WITH(sample::sample_latents(*dit, label, mask, bad), Catch::Contains("guidance_until"));
    bad = {};
    bad.refine_time = 1.0;
    REQUIRE_THROWS_WITH(sample::sample_latents(*dit, label, mask, bad), Catch::Contains("refine_time"));
}

TEST_CASE("A refinement pass replaces the integrated latents by the network's guided estimate at refine_time", "[sample]") {
    auto dit = random_dit("standard", true);
    const auto mask = ragged_mask();
    const auto label = torch::tensor({0, 1, 0}, torch::kInt64);
    sample::SamplerOptions o;
    o.steps = 6;
    o.cfg_scale = 2.0;
    o.guidance_until = 1.0;  // guided passes throughout (the default leaves t >= 0.99 unguided)
    o.refine_time = 0.99;
    auto run = [&](std::int64_t refine) {
        o.refine = refine;
        torch::manual_seed(5);
        return sample::sample_latents(*dit, label, mask, o);
    };
    const auto plain = run(0), refined = run(1);
    REQUIRE((refined - plain).abs().max().item<double>() > 1e-3);
    // Recompute the pass by hand: the guided estimate from the integrated latents, with
    // self-conditioning on the last step's estimate (which, at t = 1, is those latents).
    torch::NoGradGuard no_grad;
    const auto B = label.size(0);
    const auto null = torch::full_like(label, dit->options().num_classes);
    auto tt = torch::full({2 * B}, 0.99);
    auto out = dit->forward(torch::cat({plain, plain}), tt, torch::cat({label, null}), torch::cat({mask, mask}),
                            torch::cat({plain, plain}));
    auto guided = torch::lerp(out.narrow(0, B, B), out.narrow(0, 0, B), 2.0) * mask.to(torch::kFloat32).unsqueeze(-1);
    INFO("max difference " << (refined - guided).abs().max().item<double>());
    REQUIRE(torch::allclose(refined, guided, 1e-4, 1e-4));

    // With the default guidance cut-off (0.99) a pass at the default refine_time (0.999) runs the
    // conditional pass alone.
    o = {};
    o.steps = 6;
    o.refine = 0;
    torch::manual_seed(5);
    const auto plain_default = sample::sample_latents(*dit, label, mask, o);
    o.refine = 1;
    torch::manual_seed(5);
    const auto refined_default = sample::sample_latents(*dit, label, mask, o);
    auto conditional = dit->forward(plain_default, torch::full({B}, 0.999), label, mask, plain_default) *
                       mask.to(torch::kFloat32).unsqueeze(-1);
    REQUIRE(torch::allclose(refined_default, conditional, 1e-4, 1e-4));
}

TEST_CASE("Guidance limited to early steps: both engines agree, and it lies between full and no guidance", "[sample]") {
    auto dit = random_dit("standard", true);
    const auto mask = ragged_mask();
    const auto label = torch::tensor({0, 1, 0}, torch::kInt64);
    auto run = [&](const std::string& engine, double cfg, double until) {
        sample::SamplerOptions o;
        o.steps = 8;
        o.cfg_scale = cfg;
        o.guidance_until = until;
        o.refine = 0;  // the grid's steps alone: refinement passes at t = 0.999 fall outside any cut-off
        o.engine = engine;
        torch::manual_seed(4);
        return sample::sample_latents(*dit, label, mask, o);
    };
    const auto limited = run("module", 3.0, 0.5);
    REQUIRE(torch::allclose(run("fast", 3.0, 0.5), limited, 1e-4, 1e-4));
    // It differs from guiding every step and from guiding none...
    const auto full = run("module", 3.0, 1.0), none = run("module", 1.0, 1.0);
    CHECK((limited - full).abs().max().item<double>() > 1e-3);
    CHECK((limited - none).abs().max().item<double>() > 1e-3);
    // ...and a cut-off before the first step (t = 0.01) is no guidance at all.
    REQUIRE(torch::allclose(run("fast", 3.0, 0.005), none, 1e-5, 1e-5));
}
