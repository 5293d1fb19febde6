// Tests for the training options of src/adit/train/trainer.cpp that continue a trained model:
// the learning-rate schedule (train/lr_schedule.hpp), a decoder-only VAE run (freeze_encoder)
// and the latent scale a DiT keeps when it continues another run, on real QM9/MP-20 fixtures.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <unistd.h>

#include "adit/models/checkpoint.hpp"
#include "adit/train/lr_schedule.hpp"
#include "adit/train/trainer.hpp"
#include "fixtures.hpp"

using namespace adit;
using nlohmann::json;

namespace {

std::string temp_dir(const std::string& name) {
    auto p = std::filesystem::temp_directory_path() / ("adit_test_train_options_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(p);
    return p.string();
}

json vae_config(std::int64_t steps, double lr) {
    return {{"model",
             {{"d_model", 32}, {"num_heads", 2}, {"num_layers", 1}, {"ff_dim", 64}, {"latent_dim", 4}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", lr}, {"ema_decay", 0.5}, {"seed", 11}}}};
}

json dit_config(std::int64_t steps) {
    return {{"model", {{"d_model", 32}, {"num_heads", 2}, {"num_layers", 1}, {"mlp_ratio", 2}}},
            {"train", {{"steps", steps}, {"batch_size", 4}, {"lr", 1e-3}, {"seed", 3}}}};
}

}  // namespace

TEST_CASE("The learning-rate schedule warms up, then stays or decays by a cosine", "[train][schedule]") {
    using train::scheduled_lr;
    // Warm-up: a linear ramp reaching lr at its last step.
    CHECK(scheduled_lr(1.0, 0, 100, 10, false, 0.0) == Approx(0.1));
    CHECK(scheduled_lr(1.0, 9, 100, 10, true, 0.0) == Approx(1.0));
    // Constant afterwards.
    CHECK(scheduled_lr(2.0, 50, 100, 10, false, 0.0) == 2.0);
    CHECK(scheduled_lr(2.0, 50, 100, 0, false, 0.0) == 2.0);
    // Cosine: the full rate after the warm-up, half way at the middle, the floor at the end and beyond.
    CHECK(scheduled_lr(1.0, 10, 110, 10, true, 0.0) == Approx(1.0));
    CHECK(scheduled_lr(1.0, 60, 110, 10, true, 0.0) == Approx(0.5));
    CHECK(scheduled_lr(1.0, 60, 110, 10, true, 0.2) == Approx(0.6));
    CHECK(scheduled_lr(1.0, 110, 110, 10, true, 0.2) == Approx(0.2));
    CHECK(scheduled_lr(1.0, 500, 110, 10, true, 0.0) == Approx(0.0).margin(1e-12));

    json bad = vae_config(2, 1e-3);
    bad["train"]["lr_schedule"] = "linear";
    REQUIRE_THROWS_WITH(train::train_options_from_json(bad["train"]), Catch::Contains("lr_schedule"));
    bad["train"]["lr_schedule"] = "cosine";
    bad["train"]["min_lr_ratio"] = 1.5;
    REQUIRE_THROWS_WITH(train::train_options_from_json(bad["train"]), Catch::Contains("min_lr_ratio"));
}

TEST_CASE("freeze_encoder trains the decoder alone and keeps the latent space", "[train][vae]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = temp_dir("freeze");
    auto base = train::train_vae(vae_config(3, 1e-3), structures, {}, dir + "/base", {});
    auto config = vae_config(4, 1e-2);
    config["train"]["freeze_encoder"] = true;

    REQUIRE_THROWS_WITH(train::train_vae(config, structures, {}, dir + "/scratch", {}), Catch::Contains("--init"));

    train::RunOptions init;
    init.init_from = base.checkpoint;
    // On a set whose statistics differ (one crystal fewer): the normalisation stays the base's.
    std::vector<Structure> fewer(structures.begin(), structures.end() - 1);
    auto tuned = train::train_vae(config, fewer, {}, dir + "/tuned", init);
    REQUIRE(tuned.step == 4);
    CHECK(models::read_checkpoint_metadata(tuned.checkpoint)["normalization"] ==
          models::read_checkpoint_metadata(base.checkpoint)["normalization"]);
    CHECK(models::to_json(models::compute_normalization(data::collate(fewer))) !=
          models::read_checkpoint_metadata(base.checkpoint)["normalization"]);
    auto before = models::load_vae(base.checkpoint);  // EMA weights: what --init started from
    auto after = models::load_vae(tuned.checkpoint);
    auto enc_before = before.model->encoder_parameters(), enc_after = after.model->encoder_parameters();
    REQUIRE(enc_before.size() == enc_after.size());
    for (std::size_t i = 0; i < enc_before.size(); ++i) CHECK(torch::equal(enc_before[i], enc_after[i]));
    {  // Same latents for the same structures; the decoder moved.
        torch::NoGradGuard no_grad;
        auto batch = data::collate(structures);
        CHECK(torch::equal(before.model->encode(batch).first, after.model->encode(batch).first));
        double moved = 0;
        auto decoder_after = after.model->decoder->parameters();
        auto decoder_before = before.model->decoder->parameters();
        for (std::size_t i = 0; i < decoder_after.size(); ++i)
            moved = std::max(moved, (decoder_after[i] - decoder_before[i]).abs().max().item<double>());
        CHECK(moved > 1e-4);
    }
    CHECK(models::read_checkpoint_metadata(tuned.checkpoint)["config"]["train"]["freeze_encoder"] == true);

    // A DiT trained on the base VAE takes the new decoder with a zero-step run: its own weights
    // stay, the embedded VAE is the tuned one.
    auto dit = train::train_dit(dit_config(2), base.checkpoint, structures, dir + "/dit", {});
    train::RunOptions from_dit;
    from_dit.init_from = dit.checkpoint;
    auto swapped = train::train_dit(dit_config(0), tuned.checkpoint, structures, dir + "/swapped", from_dit);
    CHECK(swapped.step == 0);
    auto original = models::load_dit(dit.checkpoint), with_new_decoder = models::load_dit(swapped.checkpoint);
    auto p0 = original.model->parameters(), p1 = with_new_decoder.model->parameters();
    for (std::size_t i = 0; i < p0.size(); ++i) CHECK(torch::equal(p0[i], p1[i]));
    auto d_new = with_new_decoder.vae->decoder->parameters(), d_tuned = after.model->decoder->parameters();
    for (std::size_t i = 0; i < d_new.size(); ++i) CHECK(torch::equal(d_new[i], d_tuned[i]));
    std::filesystem::remove_all(dir);
}

TEST_CASE("A DiT continued with --init keeps the latent scale it was trained with", "[train][dit]") {
    torch::set_num_threads(1);
    auto structures = model_test_structures();
    auto dir = temp_dir("scale");
    auto vae = train::train_vae(vae_config(2, 1e-3), structures, {}, dir + "/vae", {});
    auto first = train::train_dit(dit_config(2), vae.checkpoint, structures, dir + "/dit", {});
    const double scale = models::read_checkpoint_metadata(first.checkpoint)["latent_scale"].get<double>();

    // The crystals alone measure a different scale than the whole set...
    std::vector<Structure> crystals;
    for (const auto& s : structures)
        if (s.is_periodic()) crystals.push_back(s);
    auto fresh = train::train_dit(dit_config(1), vae.checkpoint, crystals, dir + "/fresh", {});
    const double crystal_scale = models::read_checkpoint_metadata(fresh.checkpoint)["latent_scale"].get<double>();
    REQUIRE(std::abs(crystal_scale - scale) > 1e-4 * scale);

    // ...but a run continuing the first one on them keeps the first one's, in the metadata and the model.
    train::RunOptions init;
    init.init_from = first.checkpoint;
    auto continued = train::train_dit(dit_config(1), vae.checkpoint, crystals, dir + "/continued", init);
    CHECK(models::read_checkpoint_metadata(continued.checkpoint)["latent_scale"].get<double>() == scale);
    CHECK(models::load_dit(continued.checkpoint).model->latent_scale() == Approx(scale).epsilon(1e-6));
    std::filesystem::remove_all(dir);
}

TEST_CASE("train.cuda_graph is read, stored, and refused where it cannot capture", "[train][graph]") {
    json config = vae_config(2, 1e-3);
    config["train"]["cuda_graph"] = true;
    const auto opt = train::train_options_from_json(config["train"]);
    CHECK(opt.cuda_graph);
    CHECK(train::to_json(opt).at("cuda_graph") == true);
    CHECK_FALSE(train::train_options_from_json(vae_config(2, 1e-3)["train"]).cuda_graph);
    // On the CPU (this test's device) a graphed run stops before any step with the reason.
    const auto structures = model_test_structures();
    REQUIRE_THROWS_WITH(train::train_vae(config, structures, {}, temp_dir("graph"), {}), Catch::Contains("cuda_graph"));
}
