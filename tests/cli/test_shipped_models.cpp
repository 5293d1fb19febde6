// CLI tests of the shipped models (models/*.pt, found with no --model) and of `adit export`, the
// release files they are: the README's commands, run as a user would.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

using namespace adit_cli_test;

namespace {

bool shipped(const std::string& name) { return std::filesystem::exists(std::string(ADIT_SOURCE_DIR) + "/models/" + name); }

using adit_cli_test::count_occurrences;

}  // namespace

TEST_CASE("adit sample without --model uses the shipped joint DiT for molecules and crystals", "[cli][shipped]") {
    const std::string molecules = "sample --system molecule -n 8 --steps 20 --out /tmp/adit_test_shipped.sdf";
    const std::string crystals = "sample --system crystal -n 4 --steps 20 --out /tmp/adit_test_shipped.cif";
    REQUIRE(readme_has("adit " + molecules));
    REQUIRE(readme_has("adit " + crystals));
    if (!shipped("dit-xs-joint.pt")) return;  // a checkout without the release files
    auto r = run_adit("--seed 3 " + molecules, true);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto sdf = slurp("/tmp/adit_test_shipped.sdf");
    CHECK(count_occurrences(sdf, "$$$$") == 8);
    CHECK(count_occurrences(sdf, "dit-xs-joint.pt") == 8);  // provenance names the model each record came from
    r = run_adit("--seed 3 " + crystals, true);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto cif = slurp("/tmp/adit_test_shipped.cif");
    CHECK(count_occurrences(cif, "\ndata_") + (cif.rfind("data_", 0) == 0 ? 1 : 0) == 4);
    CHECK(count_occurrences(cif, "_cell_length_a") == 4);
    std::filesystem::remove("/tmp/adit_test_shipped.sdf");
    std::filesystem::remove("/tmp/adit_test_shipped.cif");
}

TEST_CASE("adit export writes a loadable half-precision release and refuses to export one twice", "[cli][shipped][export]") {
    const std::string exported = "export --model models/conformer-qm9.pt --out /tmp/adit_test_conformer_fp16.pt --json";
    REQUIRE(readme_has("adit " + exported));
    if (!shipped("conformer-qm9.pt")) return;
    auto r = run_adit(exported, false);
    REQUIRE(r.status == 0);
    const auto report = nlohmann::json::parse(r.out);
    CHECK(report["kind"] == "adit-conformer");
    CHECK(report["half_tensors"].get<int>() > 0);
    CHECK(report["bytes_out"].get<double>() < 0.6 * report["bytes_in"].get<double>());
    // The release predicts: same SMILES, same atoms, through the fp32 loader.
    r = run_adit("conformer --model /tmp/adit_test_conformer_fp16.pt --smiles CCO --no-mmff --out /tmp/adit_test_fp16.sdf", true);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(slurp("/tmp/adit_test_fp16.sdf").find("  9  8  0") != std::string::npos);  // ethanol with hydrogens
    r = run_adit("export --model /tmp/adit_test_conformer_fp16.pt --out /tmp/adit_test_again.pt", true);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("adit export: error:") && Catch::Contains("already a release file"));
    CHECK_FALSE(std::filesystem::exists("/tmp/adit_test_again.pt"));
    std::filesystem::remove("/tmp/adit_test_conformer_fp16.pt");
    std::filesystem::remove("/tmp/adit_test_fp16.sdf");
}

TEST_CASE("adit predict without --model uses the shipped MoleBLEND model", "[cli][shipped][moleblend]") {
    REQUIRE(readme_has("adit predict --smiles \"c1ccccc1O\""));
    if (!shipped("moleblend-qm9.pt")) return;
    auto r = run_adit("predict --smiles \"c1ccccc1O\" --json", false);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["predictions"].size() == 1);
    const auto& p = j["predictions"][0];
    // Phenol: a bound HOMO below the LUMO, gap = LUMO - HOMO as the model predicts both heads
    CHECK(p["homo"].get<double>() < -4.0);
    CHECK(p["homo"].get<double>() > -9.0);
    CHECK(p["gap"].get<double>() > 3.0);
    CHECK(p["gap"].get<double>() < 10.0);
}
