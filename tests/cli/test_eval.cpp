// CLI tests of `adit eval`, `adit match` and `adit draw`. Every command line here also appears
// in README.md (section eval); expected numbers come from the Python references
// (eval/molecules/reference_validity.py, pymatgen StructureMatcher), not from adit's output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_harness.hpp"

namespace {

using adit_cli_test::readme_has;
using adit_cli_test::Run;
using adit_cli_test::slurp;

// stdout only: the table and JSON, without the log lines.
Run adit(const std::string& args) { return adit_cli_test::run_adit(args, false); }

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("adit_test_eval_" + name)).string();
}

}  // namespace

TEST_CASE("adit eval molecules: JSON report and per-molecule CSV", "[cli][eval]") {
    const std::string cmd =
        "adit eval molecules tests/data/eval/qm9_first20.extxyz --reference tests/data/eval/qm9_first10_smiles.csv";
    CHECK(readme_has(cmd));
    const std::string json = temp_path("mol.json"), csv = temp_path("mol.csv");
    Run r = adit(cmd.substr(5) + " --json " + json + " --per-structure " + csv);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("validity") != std::string::npos);
    nlohmann::json j = nlohmann::json::parse(slurp(json));
    CHECK(j["count"] == 20);
    // Python reference: 19 of 20 valid (frame 9 fails), 19 unique, 10 not among the reference.
    CHECK(j["validity"].get<double>() == Approx(19.0 / 20));
    CHECK(j["uniqueness"].get<double>() == Approx(1.0));
    CHECK(j["novelty"].get<double>() == Approx(10.0 / 19));
    CHECK(j["connected"].get<double>() == Approx(1.0));
    for (const char* key : {"atom_stability", "molecule_stability", "valid_and_connected", "bond_lengths", "bond_angles",
                            "no_internal_clash"}) {
        INFO(key);
        CHECK(j[key].get<double>() >= 0.0);
        CHECK(j[key].get<double>() <= 1.0);
    }
    const std::string table = slurp(csv);
    CHECK(table.rfind("index,valid,connected,smiles,atom_stable_fraction,mol_stable,reason\n", 0) == 0);
    CHECK(table.find("\n9,0,") != std::string::npos);          // the invalid one, in input order
    CHECK(table.find("\n0,1,1,[H]C(=O)C([H])([H])[H],") != std::string::npos);  // gdb 11 acetaldehyde
}

TEST_CASE("adit eval crystals: validity, uniqueness, space groups", "[cli][eval]") {
    const std::string cmd = "adit eval crystals tests/data/eval/mp20_test_first20.csv";
    CHECK(readme_has(cmd));
    const std::string json = temp_path("cry.json"), csv = temp_path("cry.csv");
    Run r = adit(cmd.substr(5) + " --json " + json + " --per-structure " + csv);
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(slurp(json));
    CHECK(j["count"] == 20);
    CHECK(j["structural_validity"].get<double>() == Approx(1.0));
    CHECK(j["uniqueness"].get<double>() == Approx(1.0));  // pymatgen group_structures: 20 groups
    CHECK(j["novelty"].is_null());
    CHECK(j["coverage_recall"].is_null());
    CHECK(j["compositional_validity"].get<double>() > 0.5);
    // The space-group histogram sums to the count (spglib finds a group for each).
    std::size_t total = 0;
    for (auto& [k, v] : j["space_groups"].items()) total += v.get<std::size_t>();
    CHECK(total == 20);
    CHECK(slurp(csv).rfind("index,valid,struct_valid,comp_valid,unique,novel,space_group,density,reason\n", 0) == 0);
}

TEST_CASE("adit match agrees with pymatgen on a supercell and a different structure", "[cli][match]") {
    const std::string same = "adit match tests/data/eval/match_a.cif tests/data/eval/match_b.cif --json";
    const std::string differ = "adit match tests/data/eval/match_a.cif tests/data/eval/match_c.cif --json";
    CHECK(readme_has(same));
    Run r = adit(same.substr(5));
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["match"] == true);  // pymatgen: fit True, rms ~5e-16
    CHECK(j["rms"].get<double>() < 1e-6);
    Run d = adit(differ.substr(5));
    REQUIRE(d.status == 0);
    nlohmann::json k = nlohmann::json::parse(d.out);
    CHECK(k["match"] == false);  // pymatgen: fit False, get_rms_dist None
    CHECK(k["rms"].is_null());
}

TEST_CASE("adit draw writes an SVG grid; errors exit 1", "[cli][draw]") {
    const std::string cmd = "adit draw tests/data/eval/qm9_first20.extxyz --out grid.svg --n 8 --cols 4";
    CHECK(readme_has(cmd));
    const std::string svg = temp_path("grid.svg");
    Run r = adit("draw tests/data/eval/qm9_first20.extxyz --out " + svg + " --n 8 --cols 4");
    REQUIRE(r.status == 0);
    CHECK(r.out.find("8 molecules drawn") != std::string::npos);
    const std::string text = slurp(svg);
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("width='1000px'") != std::string::npos);  // 4 panels of 250 px

    Run missing = adit("eval molecules does/not/exist.xyz");
    CHECK(missing.status == 1);
}

TEST_CASE("adit eval crystals: an unreadable CSV row is one invalid sample, not a failed run", "[cli][eval]") {
    const std::string cmd = "adit eval crystals tests/data/eval/mp20_with_broken_row.csv --no-symmetry";
    CHECK(readme_has(cmd));
    const std::string json = temp_path("broken.json"), csv = temp_path("broken.csv");
    Run r = adit(cmd.substr(5) + " --json " + json + " --per-structure " + csv);
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(slurp(json));
    CHECK(j["count"] == 3);
    CHECK(j["validity"].get<double>() == Approx(2.0 / 3));
    CHECK(j["space_groups"].empty());
    const std::string table = slurp(csv);
    CHECK(table.find("\n1,0,0,0,0,,0,0,unreadable: ") != std::string::npos);
}

TEST_CASE("adit eval reads adit's HDF5 datasets, a split of them, and HDF5 references", "[cli][eval][hdf5]") {
    // Molecules: the same 20 QM9 frames as the extxyz test, stored by `adit prepare` (float32
    // coordinates), give the Python reference's verdicts: 19 valid, 10 of them novel.
    const std::string prep_mol = "adit prepare --train tests/data/eval/qm9_first20.extxyz --out data/qm9_eval_fixture.h5";
    const std::string eval_mol =
        "adit eval molecules data/qm9_eval_fixture.h5 --reference tests/data/eval/qm9_first10_smiles.csv";
    CHECK(readme_has(prep_mol));
    CHECK(readme_has(eval_mol));
    REQUIRE(adit(prep_mol.substr(5)).status == 0);
    const std::string json = temp_path("h5mol.json"), csv = temp_path("h5mol.csv");
    Run r = adit(eval_mol.substr(5) + " --json " + json + " --per-structure " + csv);
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(slurp(json));
    CHECK(j["count"] == 20);
    CHECK(j["validity"].get<double>() == Approx(19.0 / 20));
    CHECK(j["novelty"].get<double>() == Approx(10.0 / 19));
    CHECK(slurp(csv).find("\n9,0,") != std::string::npos);

    // Crystals: 6 train / 3 val / 3 test MP-20 structures in one file.
    const std::string prep_cry =
        "adit prepare --train tests/data/prepare/mp20_train.csv --val tests/data/prepare/mp20_val.csv "
        "--test tests/data/prepare/mp20_test.csv --out data/mp20_eval_fixture.h5";
    const std::string eval_split = "adit eval crystals data/mp20_eval_fixture.h5 --split test";
    const std::string eval_ref =
        "adit eval crystals tests/data/prepare/mp20_test.csv --reference data/mp20_eval_fixture.h5 --reference-split test";
    CHECK(readme_has(prep_cry));
    CHECK(readme_has(eval_split));
    CHECK(readme_has(eval_ref));
    REQUIRE(adit(prep_cry.substr(5)).status == 0);
    const std::string js = temp_path("h5split.json");
    Run s = adit(eval_split.substr(5) + " --no-symmetry --json " + js);
    REQUIRE(s.status == 0);
    nlohmann::json k = nlohmann::json::parse(slurp(js));
    CHECK(k["count"] == 3);
    CHECK(k["split"] == "test");
    CHECK(k["structural_validity"].get<double>() == Approx(1.0));
    Run all = adit("eval crystals data/mp20_eval_fixture.h5 --no-symmetry --json " + js);
    REQUIRE(all.status == 0);
    CHECK(nlohmann::json::parse(slurp(js))["count"] == 12);

    // The CSV's test structures against the HDF5 test split: every one is found again (novelty
    // 0); against the train split none is (different materials).
    const std::string jr = temp_path("h5ref.json");
    Run same = adit(eval_ref.substr(5) + " --no-symmetry --json " + jr);
    REQUIRE(same.status == 0);
    nlohmann::json m = nlohmann::json::parse(slurp(jr));
    CHECK(m["reference_count"] == 3);
    CHECK(m["novelty"].get<double>() == Approx(0.0));
    CHECK(m["coverage_recall"].get<double>() == Approx(1.0));  // same crystals: all covered
    CHECK(m["coverage_precision"].get<double>() == Approx(1.0));
    Run train = adit("eval crystals tests/data/prepare/mp20_test.csv --reference data/mp20_eval_fixture.h5 "
                     "--reference-split train --no-symmetry --json " + jr);
    REQUIRE(train.status == 0);
    nlohmann::json t = nlohmann::json::parse(slurp(jr));
    CHECK(t["reference_count"] == 6);
    CHECK(t["novelty"].get<double>() == Approx(1.0));

    // A split of something that is not an HDF5 dataset is an error, not silently ignored.
    CHECK(adit("eval crystals tests/data/eval/mp20_test_first20.csv --split test").status == 1);
}
