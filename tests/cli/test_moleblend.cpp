// CLI tests of `adit pretrain moleblend`, `adit finetune` and `adit predict`
// (tools/adit/pretrain.cpp, finetune.cpp, predict.cpp) on 300 real QM9 molecules
// (tests/data/moleblend/). Every command line here also appears in README.md.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::readme_has;
using adit_cli_test::Run;

Run adit(const std::string& args) { return adit_cli_test::run_adit(args, true); }
Run adit_stdout(const std::string& args) { return adit_cli_test::run_adit(args, false); }

// The JSON object printed last on stdout.
nlohmann::json last_json(const std::string& out) {
    const auto start = out.find("{\n");
    REQUIRE(start != std::string::npos);
    return nlohmann::json::parse(out.substr(start));
}

}  // namespace

TEST_CASE("adit pretrain moleblend / finetune / predict: round trip on real QM9 molecules", "[cli][moleblend]") {
    std::filesystem::remove_all("/tmp/adit_test_moleblend");
    std::filesystem::create_directories("/tmp/adit_test_moleblend");
    const std::string prepare =
        "prepare --input tests/data/moleblend/qm9_dft_300.extxyz.gz --split random:0.8,0.1,0.1 --seed 0 --out "
        "/tmp/adit_test_moleblend/qm9.h5";
    const std::string pretrain =
        "pretrain moleblend --config configs/moleblend-small.toml --data /tmp/adit_test_moleblend/qm9.h5 --out "
        "/tmp/adit_test_moleblend/pre --steps 40";
    const std::string finetune =
        "finetune --task qm9:homo,lumo,gap --data /tmp/adit_test_moleblend/qm9.h5 --from "
        "/tmp/adit_test_moleblend/pre/moleblend.pt --config configs/moleblend-small.toml --out /tmp/adit_test_moleblend/ft "
        "--steps 40";
    const std::string scratch =
        "finetune --task qm9:homo,lumo,gap --data /tmp/adit_test_moleblend/qm9.h5 --from scratch --config "
        "configs/moleblend-small.toml --out /tmp/adit_test_moleblend/scratch --steps 40";
    const std::string predict_json =
        "predict --model /tmp/adit_test_moleblend/ft/model.pt --smiles-file tests/data/moleblend/predict.smi --json";
    const std::string predict_one = "predict --model /tmp/adit_test_moleblend/ft/model.pt --smiles \"CC(=O)O\"";
    for (const auto& c : {prepare, pretrain, finetune, scratch, predict_json, predict_one}) REQUIRE(readme_has("adit " + c));

    Run r = adit(prepare);
    INFO(r.out);
    REQUIRE(r.status == 0);

    r = adit_stdout(pretrain);
    INFO(r.out);
    REQUIRE(r.status == 0);
    auto j = last_json(r.out);
    CHECK(j["step"] == 40);
    CHECK(j["train_molecules"].get<int>() >= 230);
    CHECK(j["validation_molecules"].get<int>() >= 25);
    CHECK(j["validation"].contains("distance_mae_2d_only"));
    CHECK(std::filesystem::exists("/tmp/adit_test_moleblend/pre/moleblend.pt"));

    // --resume past the end does nothing but re-validate; with more steps it continues.
    r = adit_stdout(pretrain + " --resume");
    REQUIRE(r.status == 0);
    CHECK(last_json(r.out)["step"] == 40);

    for (const auto& cmd : {finetune, scratch}) {
        r = adit_stdout(cmd);
        INFO(r.out);
        REQUIRE(r.status == 0);
        j = last_json(r.out);
        CHECK(j["steps"] == 40);
        CHECK(j["input"] == "2d");
        for (const char* p : {"homo", "lumo", "gap"}) {
            REQUIRE(j["test"].contains(p));
            CHECK(j["test"]["units"][p] == "meV");
            // a 40-step model is poor but must be in a sane range: QM9's gap std is ~1.3 eV
            CHECK(j["test"][p].get<double>() > 1.0);
            CHECK(j["test"][p].get<double>() < 3000.0);
        }
    }

    r = adit_stdout(predict_json);
    INFO(r.out);
    REQUIRE(r.status == 0);
    j = nlohmann::json::parse(r.out);
    REQUIRE(j.size() == 2);
    CHECK(j["units"] == nlohmann::json({{"homo", "eV"}, {"lumo", "eV"}, {"gap", "eV"}}));
    REQUIRE(j["predictions"].size() == 4);
    const char* expected[] = {"CCO", "c1ccccc1", "C1CC(", "O=C=O"};
    for (int k = 0; k < 4; ++k) {
        const auto& p = j["predictions"][k];
        CHECK(p["smiles"] == expected[k]);
        CHECK(p.size() == 4);
        for (const char* t : {"homo", "lumo", "gap"}) {
            if (k == 2) {
                CHECK(p[t].is_null());
            } else {
                REQUIRE(p[t].is_number());
                CHECK(std::abs(p[t].get<double>()) < 30.0);
            }
        }
        if (k != 2) CHECK(p["homo"].get<double>() < 0.0);  // QM9 HOMOs are all negative (eV)
    }
    r = adit(predict_json);
    CHECK_THAT(r.out, Catch::Contains("predict.smi:line 3: cannot parse SMILES 'C1CC('"));

    r = adit_stdout(predict_one);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("smiles\thomo (eV)\tlumo (eV)\tgap (eV)\nCC(=O)O\t"));

    // Errors: unknown property, missing --from file, a model file of another kind.
    r = adit("finetune --task qm9:nonsense --data /tmp/adit_test_moleblend/qm9.h5 --from scratch --out /tmp/adit_test_moleblend/x");
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("adit finetune: error:") && Catch::Contains("nonsense"));
    r = adit("predict --model /tmp/adit_test_moleblend/pre/moleblend.pt --smiles CCO");
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("expected a moleblend-property checkpoint"));
    std::filesystem::remove_all("/tmp/adit_test_moleblend");
}

TEST_CASE("adit predict without --model: a clear error while no shipped model exists", "[cli][moleblend]") {
    REQUIRE(readme_has("adit predict --smiles \"c1ccccc1O\""));
    if (std::filesystem::exists(std::string(ADIT_SOURCE_DIR) + "/models/moleblend-qm9.pt")) return;  // shipped: nothing to check
    const Run r = adit("predict --smiles \"c1ccccc1O\"");
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("adit predict: error:") && Catch::Contains("moleblend-qm9.pt") &&
                          Catch::Contains("--model"));
}
