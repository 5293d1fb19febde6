// Tests for src/adit/models/release.cpp (adit export) and the loaders' half-precision path
// (nn::load_module), and for starting a run from a release (--init), on real QM9/MP-20 fixtures.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include "adit/data/batch.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/models/conformer.hpp"
#include "adit/models/release.hpp"
#include "adit/sample/sampler.hpp"
#include "adit/train/trainer.hpp"
#include "fixtures.hpp"

using namespace adit;
using nlohmann::json;

namespace {

std::string release_dir(const std::string& name) {
    auto p = std::filesystem::temp_directory_path() / ("adit_test_release_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p.string();
}

json small_vae_config(std::int64_t steps, double lr) {
    return {{"model",
             {{"d_model", 64}, {"num_heads", 4}, {"num_layers", 2}, {"ff_dim", 128}, {"latent_dim", 8},
              {"attention", "standard"}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", lr}, {"ema_decay", 0.9}, {"seed", 5}}}};
}

// A 2-layer DiT of width 64 trained for `steps` steps.
json small_dit_config(std::int64_t steps) {
    return {{"model", {{"d_model", 64}, {"num_heads", 2}, {"num_layers", 2}, {"mlp_ratio", 2}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", 1e-3}, {"seed", 3}}}};
}

// Largest |a - b| over same-named parameters, relative to the largest |a|.
double max_relative_difference(torch::nn::Module& a, torch::nn::Module& b) {
    auto pb = b.named_parameters();
    double diff = 0, scale = 0;
    for (const auto& p : a.named_parameters()) {
        REQUIRE(p.value().scalar_type() == torch::kFloat);
        REQUIRE(pb[p.key()].scalar_type() == torch::kFloat);
        diff = std::max(diff, (p.value() - pb[p.key()]).abs().max().item<double>());
        scale = std::max(scale, p.value().abs().max().item<double>());
    }
    return diff / scale;
}

// Two loaded DiTs that must sample the same structures (4 steps, 3 molecules and 3 crystals, one seed).
void check_same_samples(models::LoadedDiT& a, models::LoadedDiT& b, std::uint64_t seed) {
    sample::SamplerOptions so;
    so.steps = 4;
    for (const std::string system : {"molecule", "crystal"}) {
        torch::manual_seed(seed);
        auto expected = sample::sample_structures(a, system, 3, so);
        torch::manual_seed(seed);
        auto got = sample::sample_structures(b, system, 3, so);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].numbers == expected[i].numbers);
            CHECK(got[i].positions == expected[i].positions);
        }
    }
}

}  // namespace

TEST_CASE("A VAE release holds the EMA weights in fp16, loads as fp32 and seeds a new run", "[models][release]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = release_dir("vae");
    auto trained = train::train_vae(small_vae_config(4, 1e-3), structures, {}, dir + "/run", {});
    const std::string release = dir + "/vae-release.pt";
    auto r = models::export_release(trained.checkpoint, release);
    CHECK(r.kind == "vae");
    CHECK(r.step == 4);
    CHECK(r.ema_weights);
    CHECK(r.half_tensors > 0);
    CHECK(r.full_tensors > 0);  // norms and biases stay fp32
    CHECK(std::count(r.dropped.begin(), r.dropped.end(), "optimizer") == 1);
    CHECK(std::count(r.dropped.begin(), r.dropped.end(), "ema") == 1);
    // weights + EMA + two Adam moments in fp32 -> one copy, mostly fp16: well under a sixth
    CHECK(r.bytes_out * 5 < r.bytes_in);

    auto meta = models::read_checkpoint_metadata(release, "vae");
    CHECK(meta["release"]["precision"] == "fp16");
    CHECK(meta["release"]["weights"] == "ema");
    CHECK(meta["step"] == 4);

    // The release is the EMA model to fp16 rounding, and behaves like it.
    auto full = models::load_vae(trained.checkpoint, /*ema=*/true);
    auto half = models::load_vae(release);
    CHECK(max_relative_difference(*full.model, *half.model) < 2e-3);
    {
        torch::NoGradGuard no_grad;
        auto batch = data::collate(structures);
        auto z_full = full.model->encode(batch).first, z_half = half.model->encode(batch).first;
        CHECK((z_full - z_half).abs().max().item<double>() < 2e-2 * (z_full.abs().max().item<double>() + 1));
    }

    SECTION("a release cannot be resumed or exported again") {
        train::RunOptions resume;
        resume.resume = true;
        std::filesystem::copy_file(release, dir + "/vae.pt");
        REQUIRE_THROWS_WITH(train::train_vae(small_vae_config(6, 1e-3), structures, {}, dir, resume),
                            Catch::Contains("release file") && Catch::Contains("--init"));
        REQUIRE_THROWS_WITH(models::export_release(release, dir + "/again.pt"), Catch::Contains("already a release"));
    }
    SECTION("--init starts a new run from the release's weights") {
        train::RunOptions init;
        init.init_from = release;
        auto config = small_vae_config(1, 1e-12);  // one step this small leaves the initial weights
        auto again = train::train_vae(config, structures, {}, dir + "/init", init);
        CHECK(again.step == 1);
        auto started = models::load_vae(again.checkpoint, /*ema=*/false);
        CHECK(max_relative_difference(*half.model, *started.model) < 1e-8);
        init.init_from = trained.checkpoint;  // a full checkpoint works too (its EMA weights)
        config["model"]["d_model"] = 32;
        REQUIRE_THROWS_WITH(train::train_vae(config, structures, {}, dir + "/init2", init),
                            Catch::Contains("different model config"));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("A DiT release carries its embedded VAE in fp16 too", "[models][release]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = release_dir("dit");
    auto vae = train::train_vae(small_vae_config(2, 1e-3), structures, {}, dir + "/vae", {});
    auto dit = train::train_dit(small_dit_config(2), vae.checkpoint, structures, dir + "/dit", {});
    auto r = models::export_release(dit.checkpoint, dir + "/dit-release.pt", models::ReleaseDtype::bf16);
    CHECK(r.kind == "dit");
    auto full = models::load_dit(dit.checkpoint);
    auto half = models::load_dit(dir + "/dit-release.pt");
    CHECK(half.metadata["release"]["precision"] == "bf16");
    CHECK(max_relative_difference(*full.model, *half.model) < 1e-2);  // bf16 keeps 8 bits of mantissa
    CHECK(max_relative_difference(*full.vae, *half.vae) < 1e-2);
    CHECK(max_relative_difference(*full.vae, *half.vae) > 0.0);  // the embedded VAE was shrunk as well

    // A sampling-only release: the VAE's encoder left out, the same samples as the full release.
    models::export_release(dit.checkpoint, dir + "/dit-fp16.pt");
    auto s = models::export_release(dit.checkpoint, dir + "/dit-sampling.pt", models::ReleaseDtype::fp16, /*sampling_only=*/true);
    CHECK(std::find(s.dropped.begin(), s.dropped.end(), "vae encoder") != s.dropped.end());
    CHECK(s.bytes_out < std::filesystem::file_size(dir + "/dit-fp16.pt"));
    auto both = models::load_dit(dir + "/dit-fp16.pt"), sampler_only = models::load_dit(dir + "/dit-sampling.pt");
    CHECK_FALSE(both.vae->decoder_only());
    REQUIRE(sampler_only.vae->decoder_only());
    check_same_samples(both, sampler_only, 11);
    auto batch = data::collate({structures[0]});
    REQUIRE_THROWS_WITH(sampler_only.vae->encode(batch), Catch::Contains("sampling-only"));
    REQUIRE_THROWS_WITH(models::export_release(vae.checkpoint, dir + "/vae-sampling.pt", models::ReleaseDtype::fp16, true),
                        Catch::Contains("applies to DiT files"));
    // A shipped release made sampling-only afterwards: the same bytes of weights as from the checkpoint.
    auto again = models::export_release(dir + "/dit-fp16.pt", dir + "/dit-sampling2.pt", models::ReleaseDtype::fp16, true);
    auto from_release = models::load_dit(dir + "/dit-sampling2.pt");
    CHECK(from_release.metadata["release"]["source"] == "dit.pt");
    CHECK(max_relative_difference(*from_release.model, *sampler_only.model) == 0.0);
    CHECK(max_relative_difference(*from_release.vae->decoder, *sampler_only.vae->decoder) == 0.0);  // the encoder: not stored
    REQUIRE_THROWS_WITH(models::export_release(dir + "/dit-sampling2.pt", dir + "/x.pt", models::ReleaseDtype::fp16, true),
                        Catch::Contains("already a release"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("A DiT release can leave its VAE out and decode with the VAE release next to it (--vae-file)", "[models][release]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = release_dir("external_vae");
    auto vae = train::train_vae(small_vae_config(2, 1e-3), structures, {}, dir + "/vae", {});
    auto other_vae = train::train_vae(small_vae_config(3, 1e-3), structures, {}, dir + "/other", {});
    models::export_release(vae.checkpoint, dir + "/vae-release.pt");
    models::export_release(other_vae.checkpoint, dir + "/other-release.pt");
    auto dit = train::train_dit(small_dit_config(2), dir + "/vae-release.pt", structures, dir + "/dit", {});
    models::export_release(dit.checkpoint, dir + "/dit-embedded.pt");

    auto r = models::export_release(dit.checkpoint, dir + "/dit-external.pt", models::ReleaseDtype::fp16, false,
                                    dir + "/vae-release.pt");
    CHECK(std::find(r.dropped.begin(), r.dropped.end(), "embedded VAE (decodes with vae-release.pt)") != r.dropped.end());
    CHECK(r.bytes_out < std::filesystem::file_size(dir + "/dit-embedded.pt"));
    auto embedded = models::load_dit(dir + "/dit-embedded.pt"), external = models::load_dit(dir + "/dit-external.pt");
    CHECK(external.metadata["external_vae"]["name"] == "vae-release.pt");
    CHECK(external.metadata["vae_metadata"]["config"]["model"] == embedded.metadata["vae_metadata"]["config"]["model"]);
    check_same_samples(embedded, external, 5);

    // Another VAE is refused at export, and at load in place of the recorded one.
    REQUIRE_THROWS_WITH(models::export_release(dit.checkpoint, dir + "/x.pt", models::ReleaseDtype::fp16, false,
                                               dir + "/other-release.pt"),
                        Catch::Contains("is not the VAE"));
    REQUIRE_THROWS_WITH(models::export_release(vae.checkpoint, dir + "/x.pt", models::ReleaseDtype::fp16, false,
                                               dir + "/vae-release.pt"),
                        Catch::Contains("applies to DiT files"));
    std::filesystem::create_directories(dir + "/alone");
    std::filesystem::copy_file(dir + "/dit-external.pt", dir + "/alone/dit-external.pt");
    REQUIRE_THROWS_WITH(models::load_dit(dir + "/alone/dit-external.pt"), Catch::Contains("must sit in the same folder"));
    std::filesystem::copy_file(dir + "/other-release.pt", dir + "/alone/vae-release.pt");
    REQUIRE_THROWS_WITH(models::load_dit(dir + "/alone/dit-external.pt"),
                        Catch::Contains("is not the VAE this DiT was released with"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("A deeper DiT (standard or MASA) starts from a shallower release (--init): the same function, then trains", "[models][release]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = release_dir("deepen");
    auto vae = train::train_vae(small_vae_config(2, 1e-3), structures, {}, dir + "/vae", {});
    auto dit_config = small_dit_config(3);
    auto shallow = train::train_dit(dit_config, vae.checkpoint, structures, dir + "/shallow", {});
    models::export_release(shallow.checkpoint, dir + "/shallow-release.pt");
    auto source = models::load_dit(dir + "/shallow-release.pt");

    // The copy itself: a random-weight source (adaLN-Zero would hide mistakes) into 4 layers.
    torch::manual_seed(9);
    {
        torch::NoGradGuard g;
        for (auto& p : source.model->parameters()) p.copy_(torch::randn_like(p) * 0.3);
    }
    auto options = source.model->options();
    options.num_layers = 4;
    models::DiT deeper(options);
    models::deepen_into(*source.model, *deeper);
    auto batch = data::collate(structures);
    auto x = torch::randn({batch.size(), batch.mask.size(1), options.latent_dim}) * batch.mask.unsqueeze(-1);
    auto t = torch::rand({batch.size()});
    {
        torch::NoGradGuard g;
        source.model->eval();
        deeper->eval();
        auto expected = source.model->forward(x, t, batch.system, batch.mask, x);
        REQUIRE(expected.abs().max().item<double>() > 0.1);
        REQUIRE(torch::allclose(deeper->forward(x, t, batch.system, batch.mask, x), expected, 1e-5, 1e-5));
    }
    REQUIRE(deeper->named_parameters()["blocks.attention.q.weight"].size(0) == 4);
    // MASA: the shared dictionary is copied whole, the per-layer coefficients into the leading rows.
    auto masa_options = source.model->options();
    masa_options.attention = "masa";
    masa_options.masa_atoms = 2;
    models::DiT masa(masa_options);
    {
        torch::NoGradGuard g;
        for (auto& p : masa->parameters()) p.copy_(torch::randn_like(p) * 0.3);
    }
    masa_options.num_layers = 4;
    models::DiT deeper_masa(masa_options);
    models::deepen_into(*masa, *deeper_masa);
    {
        torch::NoGradGuard g;
        masa->eval();
        deeper_masa->eval();
        auto expected = masa->forward(x, t, batch.system, batch.mask, x);
        REQUIRE(expected.abs().max().item<double>() > 0.1);
        REQUIRE(torch::allclose(deeper_masa->forward(x, t, batch.system, batch.mask, x), expected, 1e-5, 1e-5));
        auto stored = masa->named_parameters(), grown = deeper_masa->named_parameters();
        REQUIRE(torch::equal(grown["blocks.attention.q.atoms"], stored["blocks.attention.q.atoms"]));
        REQUIRE(grown["blocks.attention.q.coefficients"].size(0) == 4);
        REQUIRE(torch::equal(grown["blocks.attention.q.coefficients"].narrow(0, 0, 2), stored["blocks.attention.q.coefficients"]));
    }
    options.num_layers = 1;
    models::DiT shallower(options);
    REQUIRE_THROWS_WITH(models::deepen_into(*source.model, *shallower), Catch::Contains("must have more"));
    options.num_layers = 4;
    options.d_model = 32;
    models::DiT wider(options);
    REQUIRE_THROWS_WITH(models::deepen_into(*source.model, *wider), Catch::Contains("more than their number of layers"));

    // Through training: --init from the 2-layer release with a 3-layer config.
    dit_config["model"]["num_layers"] = 3;
    train::RunOptions init;
    init.init_from = dir + "/shallow-release.pt";
    auto deep = train::train_dit(dit_config, vae.checkpoint, structures, dir + "/deep", init);
    CHECK(deep.step == 3);
    auto trained = models::load_dit(deep.checkpoint);
    CHECK(trained.model->options().num_layers == 3);
    CHECK(trained.metadata["config"]["deepened_from"]["layers"] == 2);
    std::filesystem::remove_all(dir);
}

TEST_CASE("A conformer model release loads and predicts like the original", "[models][release][conformer]") {
    torch::manual_seed(2);
    models::ConformerOptions o;
    o.d_model = 32;
    o.num_heads = 4;
    o.num_layers = 2;
    models::ConformerModel model(o);
    auto dir = release_dir("conformer");
    models::save_conformer_model(model, dir + "/conformer.pt", "{}");
    auto r = models::export_release(dir + "/conformer.pt", dir + "/conformer-release.pt");
    CHECK(r.kind == "adit-conformer");
    CHECK(r.half_tensors > 0);
    CHECK(r.dropped.empty());
    auto original = models::load_conformer_model(dir + "/conformer.pt");
    auto half = models::load_conformer_model(dir + "/conformer-release.pt");
    CHECK(max_relative_difference(*original, *half) < 2e-3);
    REQUIRE_THROWS_WITH(models::export_release(ADIT_TEST_DATA "/formats/mp-1111649.cif", dir + "/x.pt"),
                        Catch::Contains("not a readable checkpoint"));
    CHECK_FALSE(std::filesystem::exists(dir + "/x.pt"));
    std::filesystem::remove_all(dir);
}
