// CLI tests of `adit conformer` and `adit eval geometry` (tools/adit/conformer.cpp,
// tools/adit/eval_geometry.cpp). Every command line here also appears in README.md.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::readme_has;
using adit_cli_test::Run;
using adit_cli_test::slurp;

// stdout and stderr together: the summary line and the per-line warnings.
Run adit(const std::string& args) { return adit_cli_test::run_adit(args, true); }

std::vector<std::string> sdf_titles(const std::string& text) {
    std::vector<std::string> titles;
    bool next_is_title = true;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (next_is_title) titles.push_back(line);
        next_is_title = line == "$$$$";
    }
    return titles;
}

}  // namespace

TEST_CASE("adit conformer: SMILES file to SDF, bad line reported and skipped", "[cli][conformer]") {
    const std::string cmd =
        "conformer --smiles-file tests/data/conformer/smiles_with_errors.smi --out /tmp/adit_test_conformer.sdf "
        "--method etkdg --mmff";
    REQUIRE(readme_has("adit " + cmd));
    const Run r = adit(cmd);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("4 records written") && Catch::Contains("1 unparsable SMILES skipped"));
    CHECK_THAT(r.out, Catch::Contains("smiles_with_errors.smi:4:") && Catch::Contains("C1CC("));
    const std::string sdf = slurp("/tmp/adit_test_conformer.sdf");
    std::remove("/tmp/adit_test_conformer.sdf");
    const auto titles = sdf_titles(sdf);
    REQUIRE(titles.size() >= 4);
    CHECK(titles[0] == "ethanol");
    CHECK(titles[1] == "");
    CHECK(titles[2] == "acetic acid");
    CHECK(titles[3] == "paracetamol");
    CHECK_THAT(sdf, Catch::Contains(">  <smiles>\nCC(=O)Nc1ccc(O)cc1\n"));
    CHECK_THAT(sdf, Catch::Contains("  9  8  0  0  0  0  0  0  0  0999 V2000"));  // ethanol with its 6 H
}

TEST_CASE("adit conformer --smiles writes one record with explicit hydrogens", "[cli][conformer]") {
    const std::string cmd = "conformer --smiles \"CC(=O)Nc1ccc(O)cc1\" --out /tmp/adit_test_paracetamol.sdf";
    REQUIRE(readme_has("adit " + cmd));
    const Run r = adit(cmd);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const std::string sdf = slurp("/tmp/adit_test_paracetamol.sdf");
    std::remove("/tmp/adit_test_paracetamol.sdf");
    CHECK_THAT(sdf, Catch::Contains(" 20 20  0  0  0  0  0  0  0  0999 V2000"));
    CHECK(sdf_titles(sdf).size() == 1);  // one record
}

TEST_CASE("adit conformer: errors", "[cli][conformer]") {
    CHECK(adit("conformer --smiles C1CC --out /tmp/adit_test_bad.sdf").status == 1);
    CHECK(adit("conformer --out /tmp/adit_test_bad.sdf").status != 0);
    // --method model without --model takes the shipped model; with none shipped, a clear error
    setenv("ADIT_MODELS", "/nonexistent/adit_models", 1);
    const bool shipped = std::ifstream(std::string(ADIT_SOURCE_DIR) + "/models/conformer-qm9.pt").good();
    const Run r = adit("conformer --smiles CCO --method model --out /tmp/adit_test_bad.sdf");
    unsetenv("ADIT_MODELS");
    if (!shipped) {
        CHECK(r.status == 1);
        CHECK_THAT(r.out, Catch::Contains("adit conformer: error: no shipped model 'conformer-qm9.pt'") &&
                              Catch::Contains("/nonexistent/adit_models") && Catch::Contains("--model"));
    } else {
        CHECK(r.status == 0);
    }
    std::remove("/tmp/adit_test_bad.sdf");
}

TEST_CASE("adit eval geometry agrees with the independent numpy computation", "[cli][eval]") {
    const std::string cmd =
        "eval geometry tests/data/conformer/qm9_etkdg5.sdf tests/data/conformer/qm9_dft5.sdf --json "
        "/tmp/adit_test_geometry.json";
    REQUIRE(readme_has("adit " + cmd));
    const Run r = adit(cmd);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("n       5"));
    const auto got = nlohmann::json::parse(slurp("/tmp/adit_test_geometry.json"));
    std::remove("/tmp/adit_test_geometry.json");
    const auto want =
        nlohmann::json::parse(slurp(std::string(ADIT_TEST_DATA) + "/conformer/qm9_etkdg5_vs_dft5.json"));
    CHECK(got.at("n") == 5);
    for (const char* key : {"d_mae", "d_rmse", "c_rmsd", "d_mae_pooled", "d_rmse_pooled"})
        CHECK(got.at(key).get<double>() == Approx(want.at(key).get<double>()).margin(1e-6));
}

TEST_CASE("adit eval geometry: a reference against itself, and mismatched files", "[cli][eval]") {
    const Run self = adit("eval geometry tests/data/conformer/qm9_dft5.sdf tests/data/conformer/qm9_dft5.sdf");
    REQUIRE(self.status == 0);
    CHECK_THAT(self.out, Catch::Contains("d_mae   0.000000") && Catch::Contains("c_rmsd  0.000000"));
    const Run swapped = adit("eval geometry tests/data/conformer/qm9_dft5.sdf tests/data/conformer/qm9_etkdg5.sdf");
    CHECK(swapped.status == 0);  // the metrics are symmetric
    CHECK_THAT(swapped.out, Catch::Contains("d_mae   0.364922"));
    const Run mismatch = adit(
        "eval geometry tests/data/conformer/qm9_dft5.sdf tests/data/conformer/smiles_with_errors.smi");
    CHECK(mismatch.status == 1);
    CHECK_THAT(mismatch.out, Catch::Contains("adit eval geometry: error:"));
}

TEST_CASE("adit train conformer, then adit conformer --model on the trained file", "[cli][conformer]") {
    const std::string train =
        "train conformer --config tests/data/conformer/tiny.toml --data tests/data/conformer/qm9_dft5.sdf "
        "--out /tmp/adit_test_train_conformer";
    REQUIRE(readme_has("adit " + train));
    const Run t = adit(train + " --threads 1");
    INFO(t.out);
    REQUIRE(t.status == 0);
    const auto summary = nlohmann::json::parse(t.out.substr(t.out.find('{')));
    CHECK(summary.at("train_molecules") == 4);
    CHECK(summary.at("valid_molecules") == 1);
    CHECK(summary.at("epochs") == 3);

    const std::string predict =
        "conformer --smiles-file tests/data/conformer/qm9_dft5.smi --model /tmp/adit_test_train_conformer/model.pt "
        "--out /tmp/adit_test_model.sdf";
    REQUIRE(readme_has("adit " + predict));
    const Run p = adit(predict + " --threads 1");
    INFO(p.out);
    REQUIRE(p.status == 0);
    CHECK_THAT(p.out, Catch::Contains("5 records written") && Catch::Contains("(model+mmff)"));
    // records pair with the DFT references: same molecules, same atoms, same order
    const Run e = adit("eval geometry /tmp/adit_test_model.sdf tests/data/conformer/qm9_dft5.sdf");
    CHECK(e.status == 0);
    CHECK_THAT(e.out, Catch::Contains("n       5"));
    // (MMFF94 clean-up is the model's default: "(model+mmff)" above)

    // Without --model the shipped model is used: $ADIT_MODELS is searched first.
    std::rename("/tmp/adit_test_train_conformer/model.pt", "/tmp/adit_test_train_conformer/conformer-qm9.pt");
    setenv("ADIT_MODELS", "/tmp/adit_test_train_conformer", 1);
    const Run shipped = adit("conformer --smiles-file tests/data/conformer/qm9_dft5.smi --out /tmp/adit_test_model.sdf --no-mmff --threads 1");
    unsetenv("ADIT_MODELS");
    std::rename("/tmp/adit_test_train_conformer/conformer-qm9.pt", "/tmp/adit_test_train_conformer/model.pt");
    INFO(shipped.out);
    CHECK(shipped.status == 0);
    CHECK_THAT(shipped.out, Catch::Contains("5 records written") && Catch::Contains("(model)") &&
                                Catch::Contains("/tmp/adit_test_train_conformer/conformer-qm9.pt"));
    const Run bad = adit("conformer --smiles CCO --model tests/data/conformer/qm9_dft5.sdf --out /tmp/adit_test_model.sdf");
    CHECK(bad.status == 1);
    CHECK_THAT(bad.out, Catch::Contains("not a LibTorch archive"));
    std::remove("/tmp/adit_test_model.sdf");
    std::remove("/tmp/adit_test_train_conformer/model.pt");
}
