// CLI tests of `adit convert` and `adit info`: every command line below also appears in
// README.md (section formats) and is run verbatim, from a scratch directory in which `tests`
// links to the repository's tests/ folder.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_harness.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
    int status = -1;
    std::string out, err;
};

using adit_cli_test::slurp;

class Scratch {
public:
    Scratch() : scratch_("adit_cli_formats_", {"tests"}), dir_(scratch_.path) {}
    const fs::path& dir() const { return dir_; }

    // Runs a README command line ("adit ...") with the built program, in the scratch directory.
    Result run(const std::string& readme_command) const {
        REQUIRE(readme_command.rfind("adit ", 0) == 0);
        fs::remove(dir_ / "stderr.txt");  // this run's stderr only
        const auto run = adit_cli_test::run_readme_command(dir_.string(), readme_command, "stderr.txt");
        Result r;
        r.status = run.status;
        r.out = run.out;
        r.err = slurp(dir_ / "stderr.txt");
        return r;
    }

private:
    adit_cli_test::ScratchDir scratch_;  // removed with this object
    fs::path dir_;
};

using adit_cli_test::readme_has;

}  // namespace

TEST_CASE("adit info --json on one crystal prints one object", "[cli][info]") {
    Scratch s;
    const std::string cmd = "adit info tests/data/formats/Si_icsd_style.cif --json";
    CHECK(readme_has(cmd));
    const Result r = s.run(cmd);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["formula"] == "Si8");
    CHECK(j["num_atoms"] == 8);
    CHECK(j["spacegroup"]["number"] == 227);
    CHECK(j["spacegroup"]["symbol"] == "Fd-3m");
    CHECK(j["lattice"]["a"].get<double>() == Approx(5.431));
    CHECK(j["volume"].get<double>() == Approx(5.431 * 5.431 * 5.431));
    CHECK(j["density"].get<double>() == Approx(2.329).margin(0.001));  // silicon, g/cm^3
}

TEST_CASE("adit info --json on a CDVAE CSV lists every crystal", "[cli][info]") {
    Scratch s;
    const std::string cmd = "adit info tests/data/formats/mp20_test_5.csv --json --symprec 0.1";
    CHECK(readme_has(cmd));
    const Result r = s.run(cmd);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["structures"].size() == 5);
    // The Materials Project's own space-group labels and atom counts (the file's columns).
    const std::vector<int> numbers{113, 225, 129, 59, 2}, atoms{18, 10, 6, 20, 20};
    for (std::size_t i = 0; i < 5; ++i) {
        const auto& x = j["structures"][i];
        CHECK(x["spacegroup"]["number"] == numbers[i]);
        CHECK(x["num_atoms"] == atoms[i]);
        CHECK(x["properties"]["num_atoms"] == atoms[i]);
    }
    CHECK(j["structures"][0]["id"] == "mp-555560");
}

TEST_CASE("adit info prints a table; molecules have no cell", "[cli][info]") {
    Scratch s;
    const std::string cmd = "adit info tests/data/formats/qm9_test_5.extxyz";
    CHECK(readme_has(cmd));
    const Result r = s.run(cmd);
    REQUIRE(r.status == 0);
    std::istringstream lines(r.out);
    std::string header, first;
    std::getline(lines, header);
    std::getline(lines, first);
    CHECK(header.find("spacegroup") != std::string::npos);
    CHECK(first.find("C2H4O") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 6);
}

TEST_CASE("adit convert: CSV to extended XYZ, symmetrized CIF, SDF <-> XYZ, PDB", "[cli][convert]") {
    Scratch s;
    for (const std::string cmd : {"adit convert tests/data/formats/mp20_test_5.csv mp20.extxyz",
                                  "adit convert tests/data/formats/mp-1111649.cif K2NaScBr6_sym.cif --symmetrize",
                                  "adit convert tests/data/formats/qm9_rdkit_3.sdf molecules.xyz",
                                  "adit convert molecules.xyz molecules.sdf",
                                  "adit convert tests/data/formats/qm9_rdkit_3.sdf molecules.pdb",
                                  "adit convert tests/data/formats/qm9_test_5.extxyz qm9.txt --out-format extxyz"}) {
        INFO(cmd);
        CHECK(readme_has(cmd));
        const Result r = s.run(cmd);
        CHECK(r.status == 0);
        CHECK(r.err.find("wrote") != std::string::npos);
    }
    const std::string extxyz = slurp(s.dir() / "mp20.extxyz");
    CHECK(extxyz.rfind("18\nLattice=\"", 0) == 0);
    CHECK(extxyz.find("pbc=\"T T T\"") != std::string::npos);
    const std::string sym = slurp(s.dir() / "K2NaScBr6_sym.cif");
    CHECK(sym.find("_symmetry_space_group_name_H-M   'Fm-3m'") != std::string::npos);
    CHECK(sym.find("_symmetry_Int_Tables_number   225") != std::string::npos);
    CHECK(slurp(s.dir() / "molecules.sdf").find("glycine_zwitterion") != std::string::npos);
    CHECK(slurp(s.dir() / "molecules.pdb").find("HETATM") != std::string::npos);
    CHECK(slurp(s.dir() / "qm9.txt").find("gdb_index=11") != std::string::npos);
}

TEST_CASE("malformed input: named error, exit 1, no output file", "[cli][errors]") {
    Scratch s;
    const std::string cmd = "adit convert tests/data/formats/bad/nan.cif out.cif";
    CHECK(readme_has(cmd));
    const Result r = s.run(cmd);
    CHECK(r.status == 1);
    CHECK(r.err.rfind("adit convert: error: tests/data/formats/bad/nan.cif:5:", 0) == 0);
    CHECK_FALSE(fs::exists(s.dir() / "out.cif"));
    // One file per format and kind here (each start of the program costs seconds next to
    // LibTorch); every malformed fixture is read in tests/io and tests/interop.
    for (const std::string name : {"truncated.csv", "wrong_count.xyz", "unknown_element.sdf", "binary.cif", "empty.xyz"}) {
        INFO(name);
        const Result bad = s.run("adit convert tests/data/formats/bad/" + name + " out.extxyz");
        CHECK(bad.status == 1);
        CHECK(bad.err.find("adit convert: error: tests/data/formats/bad/" + name) == 0);
        CHECK_FALSE(fs::exists(s.dir() / "out.extxyz"));
    }
    const Result info = s.run("adit info tests/data/formats/bad/singular_cell.cif --json");
    CHECK(info.status == 1);
    CHECK(info.out.empty());
    CHECK(info.err.find("singular") != std::string::npos);
    CHECK(fs::directory_iterator(s.dir()) != fs::directory_iterator());
    std::size_t leftovers = 0;  // only the `tests` link and stderr.txt: no temporary outputs
    for (const auto& e : fs::directory_iterator(s.dir())) leftovers += e.path().filename() != "tests" && e.path().filename() != "stderr.txt";
    CHECK(leftovers == 0);
}
