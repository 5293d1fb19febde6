// `adit prepare` and `adit info FILE.h5` as a user runs them. The command lines are the ones
// in README.md (section data), run from the source directory on the bundled fixtures.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_harness.hpp"

namespace {

using Result = adit_cli_test::Run;
using adit_cli_test::readme_has;

// Runs an `adit ...` command line from the source directory; stdout captured, stderr dropped.
Result run_adit(const std::string& command_line) {
    REQUIRE(command_line.rfind("adit ", 0) == 0);
    return adit_cli_test::run_adit(command_line.substr(5), false);
}

}  // namespace

TEST_CASE("adit prepare: per-file splits of CDVAE CSV, then adit info --json", "[cli][prepare]") {
    const std::string prepare =
        "adit prepare --train tests/data/prepare/mp20_train.csv --val tests/data/prepare/mp20_val.csv "
        "--test tests/data/prepare/mp20_test.csv --out data/mp20_fixture.h5";
    const std::string info = "adit info data/mp20_fixture.h5 --json";
    CHECK(readme_has(prepare));
    CHECK(readme_has(info));
    const Result p = run_adit(prepare);
    REQUIRE(p.status == 0);
    CHECK_THAT(p.out, Catch::Contains("12 structures (0 molecules, 12 crystals)"));
    CHECK_THAT(p.out, Catch::Contains("train 6  val 3  test 3"));
    const Result i = run_adit(info);
    REQUIRE(i.status == 0);
    const auto j = nlohmann::json::parse(i.out);
    CHECK(j["structures"] == 12);
    CHECK(j["systems"]["crystal"] == 12);
    CHECK(j["splits"]["val"]["structures"] == 3);
    CHECK(j["geometry"] == "dft");
    CHECK(j["sources"].size() == 3);
    CHECK(j["sources"][0]["sha256"].get<std::string>().size() == 64);
    // the element histogram counts every atom once
    std::int64_t atoms = 0;
    for (const auto& [symbol, count] : j["elements"].items()) atoms += count.get<std::int64_t>();
    CHECK(atoms == j["atoms"].get<std::int64_t>());
    std::filesystem::remove(ADIT_SOURCE_DIR "/data/mp20_fixture.h5");
}

TEST_CASE("adit prepare: SMILES with ETKDG+MMFF, random split, --on-error", "[cli][prepare]") {
    const std::string smiles =
        "adit prepare --input tests/data/prepare/qm9_smiles_12.csv --geometry etkdg-mmff --split random:0.5,0.25,0.25 "
        "--seed 1 --out data/qm9_proxy_fixture.h5 --json";
    CHECK(readme_has(smiles));
    const Result p = run_adit(smiles);
    REQUIRE(p.status == 0);
    const auto j = nlohmann::json::parse(p.out);
    CHECK(j["structures"] == 12);
    CHECK(j["embedded"] == 12);
    CHECK(j["embed_failed"] == 0);
    CHECK(j["geometry"] == "etkdg-mmff");
    CHECK(j["splits"]["train"] == 6);
    std::filesystem::remove(ADIT_SOURCE_DIR "/data/qm9_proxy_fixture.h5");

    const std::string bad = "adit prepare --input tests/data/prepare/qm9_bad_4.extxyz --out data/bad_fixture.h5";
    CHECK(readme_has(bad));
    CHECK(run_adit(bad).status == 1);
    CHECK(!std::filesystem::exists(ADIT_SOURCE_DIR "/data/bad_fixture.h5"));
    const Result skip = run_adit(bad + " --on-error skip");
    CHECK(skip.status == 0);
    CHECK_THAT(skip.out, Catch::Contains("skipped records 1"));
    std::filesystem::remove(ADIT_SOURCE_DIR "/data/bad_fixture.h5");

    // adit info refuses an HDF5 file that is not a prepared dataset, and a missing file
    CHECK(run_adit("adit info data/no_such_file.h5").status == 1);
}
