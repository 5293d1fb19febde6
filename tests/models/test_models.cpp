// Tests for src/adit/models (VAE, DiT, checkpoints), src/adit/train (loop, resume, NaN guard)
// and src/adit/sample (flow-matching sampler) on real QM9 molecules and MP-20 crystals.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <unistd.h>

#include "adit/core/error.hpp"
#include "adit/data/batch.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/models/dit.hpp"
#include "adit/models/vae.hpp"
#include "adit/sample/reconstruct.hpp"
#include "adit/sample/sampler.hpp"
#include "adit/train/trainer.hpp"
#include "fixtures.hpp"

using namespace adit;
using nlohmann::json;

namespace {

std::string temp_dir(const std::string& name) {
    auto p = std::filesystem::temp_directory_path() / ("adit_test_models_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(p);
    return p.string();
}

json tiny_vae_config(std::int64_t steps) {
    return {{"model",
             {{"d_model", 64}, {"num_heads", 4}, {"num_layers", 2}, {"ff_dim", 128}, {"latent_dim", 8},
              {"attention", "masa"}, {"masa_atoms", 1}, {"denoise_fraction", 0.1}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", 1e-3}, {"ema_decay", 0.9}, {"seed", 7}}}};
}

json tiny_dit_config(std::int64_t steps) {
    return {{"model", {{"d_model", 32}, {"num_heads", 2}, {"num_layers", 2}, {"mlp_ratio", 2}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", 1e-3}, {"seed", 3}}}};
}

}  // namespace

TEST_CASE("A tiny VAE overfits real molecules and crystals", "[models][vae]") {
    torch::set_num_threads(1);  // tiny tensors: threads cost more than they give on a shared box
    auto structures = model_test_structures();  // 4 QM9 molecules + 4 MP-20 crystals
    REQUIRE(structures.size() == 8);
    json config = tiny_vae_config(500);
    config["model"]["attention"] = "standard";
    config["model"]["denoise_fraction"] = 0.0;  // plain reconstruction for the overfitting check
    config["train"]["batch_size"] = 8;
    config["train"]["lr"] = 3e-3;
    config["train"]["ema_decay"] = 0.0;  // validate the final weights
    config["train"]["augment_rotations"] = false;  // memorise these exact frames
    auto dir = temp_dir("overfit");
    auto r = train::train_vae(config, structures, {}, dir, {});
    INFO(r.validation.dump());
    REQUIRE(r.step == 500);
    REQUIRE(r.losses.back() < 0.2 * r.losses.front());
    CHECK(r.validation["type_accuracy"].get<double>() == 1.0);
    CHECK(r.validation["cartesian_rmsd_angstrom"].get<double>() < 0.1);
    CHECK(r.validation["fractional_rmse"].get<double>() < 0.05);
    CHECK(r.validation["lattice_length_mae_angstrom"].get<double>() < 0.2);

    // `adit reconstruct` (sample/reconstruct.hpp) on the memorised structures, in batches of 3
    // (sorted by size, returned in input order): every element back, molecules within the
    // validation RMSD, every crystal matched by the StructureMatcher.
    auto loaded = models::load_vae(r.checkpoint);
    auto rec = sample::reconstruct_structures(*loaded.model, structures, 3, 1);
    REQUIRE(rec.structures.size() == structures.size());
    for (std::size_t i = 0; i < structures.size(); ++i) {
        INFO(structures[i].id);
        CHECK(rec.structures[i].id == structures[i].id);
        CHECK(rec.structures[i].is_periodic() == structures[i].is_periodic());
        CHECK(rec.errors[i].types_exact);
        if (structures[i].is_periodic()) CHECK(rec.errors[i].matched == true);
        else CHECK(*rec.errors[i].rmsd < 0.1);
    }
    const auto molecules = sample::summarize(rec.errors, false), crystals = sample::summarize(rec.errors, true);
    CHECK(molecules.count == 4);
    CHECK(molecules.types_exact == 1.0);
    CHECK(molecules.rmsd_mean < 0.1);
    CHECK(crystals.count == 4);
    CHECK(crystals.match_rate == 1.0);
    CHECK(crystals.length_mae < 0.2);
    // An untrained VAE of the same shape gets neither right.
    torch::manual_seed(1);
    models::VAE untrained(loaded.model->options(), loaded.model->normalization());
    untrained->eval();
    auto bad = sample::reconstruct_structures(*untrained, structures, 8, 1);
    CHECK(sample::summarize(bad.errors, false).types_exact < 1.0);
    CHECK(sample::summarize(bad.errors, false).rmsd_mean > 0.3);
    std::filesystem::remove_all(dir);
}

TEST_CASE("Checkpoints reload to identical outputs and carry checked metadata", "[models][checkpoint]") {
    auto structures = model_test_structures();
    auto dir = temp_dir("reload");
    auto r = train::train_vae(tiny_vae_config(3), structures, {}, dir, {});
    auto meta = models::read_checkpoint_metadata(r.checkpoint, "vae");
    REQUIRE(meta["format_version"] == models::kCheckpointFormatVersion);
    REQUIRE(meta["config"]["model"]["attention"] == "masa");
    REQUIRE(meta["normalization"]["position_scale"].get<double>() > 0.5);
    REQUIRE(meta["element_vocabulary"]["max"] == 100);
    // The validation loss was computed in memory with the EMA weights; the reloaded EMA
    // model must reproduce it bit for bit.
    auto loaded = models::load_vae(r.checkpoint, true);
    torch::NoGradGuard g;
    auto again = loaded.model->loss(data::collate(structures), false);
    REQUIRE(again.total.item<double>() == meta["validation"]["loss"].get<double>());
    auto loaded2 = models::load_vae(r.checkpoint, true);
    auto b = data::collate(structures);
    auto z1 = loaded.model->encode(b).first, z2 = loaded2.model->encode(b).first;
    REQUIRE(torch::equal(z1, z2));
    REQUIRE_THROWS_WITH(models::load_dit(r.checkpoint), Catch::Contains("expected a dit checkpoint"));
    REQUIRE(meta["config"]["train"]["augment_rotations"] == true);
    std::filesystem::remove_all(dir);
}

TEST_CASE("An interrupted and resumed run gives the same losses as an uninterrupted one", "[train][resume]") {
    auto structures = model_test_structures();
    auto a = temp_dir("full"), b = temp_dir("split");
    auto full = train::train_vae(tiny_vae_config(6), structures, {}, a, {});
    train::RunOptions first;
    first.stop_after = 3;
    auto part1 = train::train_vae(tiny_vae_config(6), structures, {}, b, first);
    REQUIRE(part1.step == 3);
    train::RunOptions second;
    second.resume = true;
    auto part2 = train::train_vae(tiny_vae_config(6), structures, {}, b, second);
    REQUIRE(part2.step == 6);
    std::vector<double> joined = part1.losses;
    joined.insert(joined.end(), part2.losses.begin(), part2.losses.end());
    REQUIRE(joined == full.losses);  // exact: same batches, noise, optimiser and EMA state

    // The DiT too (class dropout, self-conditioning and time draws all come from the RNG), here
    // with a warm-up and a cosine schedule, which a resumed run must follow from its step.
    auto da = temp_dir("dit_full"), db = temp_dir("dit_split");
    auto dit_config = tiny_dit_config(6);
    dit_config["train"]["lr_schedule"] = "cosine";
    dit_config["train"]["warmup_steps"] = 2;
    auto dfull = train::train_dit(dit_config, full.checkpoint, structures, da, {});
    auto d1 = train::train_dit(dit_config, full.checkpoint, structures, db, first);
    auto d2 = train::train_dit(dit_config, full.checkpoint, structures, db, second);
    std::vector<double> djoined = d1.losses;
    djoined.insert(djoined.end(), d2.losses.begin(), d2.losses.end());
    REQUIRE(djoined == dfull.losses);

    // A resumed run refuses a different model.
    auto other = tiny_vae_config(6);
    other["model"]["d_model"] = 32;
    REQUIRE_THROWS_WITH(train::train_vae(other, structures, {}, b, second), Catch::Contains("different model config"));

    // The DiT checkpoint embeds its VAE and samples on its own, with counts from the histogram.
    auto model = models::load_dit(dfull.checkpoint);
    torch::manual_seed(5);
    sample::SamplerOptions so;
    so.steps = 5;
    auto crystals = sample::sample_structures(model, "crystal", 3, so);
    REQUIRE(crystals.size() == 3);
    for (const auto& s : crystals) {
        REQUIRE(s.is_periodic());
        REQUIRE((s.size() == 9 || s.size() == 2 || s.size() == 10));  // sizes of the 4 training crystals
        REQUIRE(s.properties.number("sampling_steps") == 5.0);
    }
    torch::manual_seed(5);
    auto again = sample::sample_structures(model, "crystal", 3, so);
    REQUIRE(again[0].positions == crystals[0].positions);
    // On the CPU batches of one atom count run side by side: the samples of a seed are the same
    // on one thread or three, byte for byte.
    so.threads = 1;
    torch::manual_seed(9);
    auto one = sample::sample_structures(model, "molecule", 12, so);
    so.threads = 3;
    torch::manual_seed(9);
    auto three = sample::sample_structures(model, "molecule", 12, so);
    REQUIRE(one.size() == 12);
    std::set<std::size_t> sizes;
    for (std::size_t i = 0; i < one.size(); ++i) {
        sizes.insert(one[i].size());
        REQUIRE(one[i].numbers == three[i].numbers);
        REQUIRE(one[i].positions == three[i].positions);
    }
    REQUIRE(sizes.size() > 1);  // several batches, so several threads had work
    for (const auto& p : {a, b, da, db}) std::filesystem::remove_all(p);
}

TEST_CASE("The NaN guard stops training and names the step", "[train]") {
    auto config = tiny_vae_config(20);
    config["train"]["lr"] = 1e30;  // weights overflow after the first update
    config["train"]["grad_clip"] = 0.0;
    auto dir = temp_dir("nan");
    REQUIRE_THROWS_WITH(train::train_vae(config, model_test_structures(), {}, dir, {}), Catch::Contains("at step 2"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("A tiny DiT reproduces the moments of a 2-D toy latent distribution", "[models][dit][sample]") {
    torch::set_num_threads(1);
    torch::manual_seed(11);
    models::DiTOptions o;
    o.d_model = 64;
    o.num_heads = 2;
    o.num_layers = 2;
    o.mlp_ratio = 2;
    o.latent_dim = 2;
    o.attention = "masa";
    o.masa_atoms = 1;
    models::DiT dit(o);
    // Two classes, one "atom" per system: class 0 ~ N(mu0, C), class 1 ~ N(mu1, C).
    auto mu0 = torch::tensor({1.0f, -0.5f}), mu1 = torch::tensor({-1.0f, 1.0f});
    auto chol = torch::tensor({{0.7f, 0.0f}, {0.3f, 0.4f}});  // C = L L^T
    auto draw = [&](const torch::Tensor& label) {
        auto e = torch::randn({label.size(0), 2}).matmul(chol.t());
        auto mean = torch::where(label.unsqueeze(1) == 0, mu0.unsqueeze(0), mu1.unsqueeze(0));
        return (mean + e).unsqueeze(1);  // [B, 1, 2]
    };
    torch::optim::AdamW opt(dit->parameters(), torch::optim::AdamWOptions(2e-3).weight_decay(0));
    const std::int64_t B = 256;
    auto mask = torch::ones({B, 1}, torch::kBool);
    // Sampling uses EMA weights, as in the real pipeline (the raw weights carry Adam's noise).
    std::vector<torch::Tensor> ema;
    for (auto& p : dit->parameters()) ema.push_back(p.detach().clone());
    for (int step = 0; step < 1500; ++step) {
        auto label = torch::randint(0, 2, {B}, torch::kInt64);
        auto loss = dit->loss(draw(label), label, mask);
        opt.zero_grad();
        loss.backward();
        opt.step();
        torch::NoGradGuard g;
        auto params = dit->parameters();
        const double decay = std::min(0.995, (1.0 + step) / (10.0 + step));
        for (std::size_t i = 0; i < params.size(); ++i) ema[i].mul_(decay).add_(params[i].detach(), 1 - decay);
    }
    {
        torch::NoGradGuard g;
        auto params = dit->parameters();
        for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(ema[i]);
    }
    dit->eval();
    const std::int64_t n = 2000;
    auto smask = torch::ones({n, 1}, torch::kBool);
    sample::SamplerOptions so;
    so.steps = 40;
    so.cfg_scale = 1.0;  // conditional model, no guidance: the learned distribution itself
    // The uniform grid: this checks the integrator. The default grid (power 2, tuned on the real
    // models' validity) takes coarser first steps, which this 1,500-step toy field does not
    // resolve well (class 0 mean 1.17 against 1.0 at 40 steps).
    so.time_power = 1.0;
    so.refine = 0;  // the ODE alone
    auto C = chol.matmul(chol.t());
    for (std::int64_t cls : {0, 1}) {
        auto x = sample::sample_latents(*dit, torch::full({n}, cls, torch::kInt64), smask, so).squeeze(1);  // [n, 2]
        auto mean = x.mean(0);
        auto centred = x - mean;
        auto cov = centred.t().matmul(centred) / double(n - 1);
        INFO("class " << cls << " mean " << mean << " cov " << cov);
        REQUIRE(torch::allclose(mean, cls == 0 ? mu0 : mu1, 0, 0.1));
        REQUIRE(torch::allclose(cov, C, 0, 0.1));
    }
    // Heun with the same network lands on the same distribution.
    so.method = "heun";
    so.steps = 20;
    auto xh = sample::sample_latents(*dit, torch::zeros({n}, torch::kInt64), smask, so).squeeze(1);
    REQUIRE(torch::allclose(xh.mean(0), mu0, 0, 0.1));
    // At noise temperature 0.5 the flow starts from 0.5 x N(0, I). Between two Gaussians it is an
    // affine map, so the samples keep the class mean and their covariance shrinks by 0.25.
    so.method = "euler";
    so.steps = 40;
    so.temperature = 0.5;
    auto xt = sample::sample_latents(*dit, torch::ones({n}, torch::kInt64), smask, so).squeeze(1);
    auto centred = xt - xt.mean(0);
    auto cov = centred.t().matmul(centred) / double(n - 1);
    INFO("temperature 0.5: mean " << xt.mean(0) << " cov " << cov);
    REQUIRE(torch::allclose(xt.mean(0), mu1, 0, 0.1));
    REQUIRE(torch::allclose(cov, 0.25 * chol.matmul(chol.t()), 0, 0.03));
    // Out of (0, 1] it is refused.
    so.temperature = 1.5;
    REQUIRE_THROWS_AS(sample::sample_latents(*dit, torch::ones({n}, torch::kInt64), smask, so), adit::Error);
}

TEST_CASE("The MASA DiT-S twin keeps at most 40% of the attention parameters", "[models][masa]") {
    models::DiTOptions s;  // DiT-S: 384 wide, 6 heads, 12 layers
    auto m = s;
    m.attention = "masa";
    m.masa_atoms = 4;  // S = L / 3
    auto cs = nn::count_parameters(*models::DiT(s)), cm = nn::count_parameters(*models::DiT(m));
    REQUIRE(double(cm.attention) <= 0.4 * double(cs.attention));
    REQUIRE(cm.mlp == cs.mlp);
    REQUIRE(cs.total() > 25'000'000);  // the reference's ~30M-parameter DiT-S
    REQUIRE(cs.total() < 40'000'000);
}

TEST_CASE("A kept batch plan gives every step the batch batch_indices draws afresh, in any visit order", "[train][bucket]") {
    std::mt19937_64 rng(9);
    std::vector<std::int64_t> sizes(1000);
    for (auto& s : sizes) s = 3 + std::int64_t(rng() % 27);
    const std::int64_t B = 7;  // 143 batches per epoch: three windows of 50, the last one short
    for (const bool bucket : {false, true}) {
        train::BatchPlan plan(sizes, B, 42, bucket);
        REQUIRE(plan.batches_per_epoch() == 143);
        for (std::int64_t step = 0; step < 2 * 143 + 20; ++step)  // in order, across two epoch boundaries
            REQUIRE(plan.indices(step) == train::batch_indices(sizes, B, 42, step, bucket));
        for (std::int64_t step : {3, 140, 60, 3, 300, 149, 0, 143})  // jumps between windows and epochs
            REQUIRE(plan.indices(step) == train::batch_indices(sizes, B, 42, step, bucket));
    }
    // drop_last: 1000 / 7 = 142 full batches, the 6 left over wait for the next epoch's order.
    train::BatchPlan full(sizes, B, 42, false, /*drop_last=*/true);
    REQUIRE(full.batches_per_epoch() == 142);
    std::set<std::int64_t> seen;
    for (std::int64_t step = 0; step < 142; ++step) {
        const auto idx = full.indices(step);
        REQUIRE(idx.size() == std::size_t(B));
        seen.insert(idx.begin(), idx.end());
    }
    CHECK(seen.size() == 994);
}

TEST_CASE("Size-bucketed batches visit every structure once per epoch and pad far less", "[train][bucket]") {
    // QM9-like sizes: 1000 structures of 3..29 atoms.
    std::mt19937_64 rng(5);
    std::vector<std::int64_t> sizes(1000);
    for (auto& s : sizes) s = 3 + std::int64_t(rng() % 27);
    const std::int64_t B = 32, per_epoch = (1000 + B - 1) / B;
    for (const bool bucket : {false, true}) {
        std::vector<int> seen(sizes.size(), 0);
        double padded = 0, real = 0;
        for (std::int64_t step = 0; step < per_epoch; ++step) {
            const auto idx = train::batch_indices(sizes, B, 42, step, bucket);
            REQUIRE(!idx.empty());
            CHECK(idx == train::batch_indices(sizes, B, 42, step, bucket));  // a pure function of (seed, step)
            std::int64_t largest = 0;
            for (auto i : idx) {
                ++seen[std::size_t(i)];
                largest = std::max(largest, sizes[std::size_t(i)]);
                real += double(sizes[std::size_t(i)]);
            }
            padded += double(largest) * double(idx.size());
        }
        CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
        if (bucket) CHECK(padded / real < 1.15);  // batches of similar sizes
        else CHECK(padded / real > 1.5);          // a random draw pads to ~29 for a mean of ~16
    }
    // The next epoch is another order.
    CHECK(train::batch_indices(sizes, B, 42, 0, true) != train::batch_indices(sizes, B, 42, per_epoch, true));
}
