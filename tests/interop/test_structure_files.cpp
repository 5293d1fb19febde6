// tests for src/adit/interop/structure_files.cpp: format dispatch, directories, gzip, atomic
// output and cross-format round trips on the fixtures of tests/data/formats.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "adit/core/error.hpp"
#include "adit/interop/structure_files.hpp"

using namespace adit;
namespace fs = std::filesystem;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("adit_test_structure_files_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void check_same_crystal(const Structure& a, const Structure& b, double tol) {
    REQUIRE(a.numbers == b.numbers);
    CHECK(a.lattice->vectors().isApprox(b.lattice->vectors(), tol));
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.lattice->minimum_image_distance(a.positions[i], b.positions[i]) < tol);
}
}  // namespace

TEST_CASE("the format follows the extension", "[structure_files]") {
    CHECK(read_structures(kDir + "qm9_test_5.extxyz").size() == 5);
    CHECK(read_structures(kDir + "acetaldehyde_plain.xyz").size() == 1);
    CHECK(read_structures(kDir + "mp20_two_blocks.cif").size() == 2);
    CHECK(read_structures(kDir + "perov5_test_3.csv").size() == 3);
    CHECK(read_structures(kDir + "qm9_rdkit_3.sdf").size() == 3);
    CHECK_THROWS_WITH(read_structures(kDir + "make_fixtures.py"), Catch::Contains("give --format"));
}

TEST_CASE("--format overrides the extension; .gz is read and written", "[structure_files]") {
    TempDir tmp;
    fs::copy_file(kDir + "mp-1111649.cif", tmp / "crystal.txt");
    const auto s = read_structures(tmp / "crystal.txt", ReadOptions{FileFormat::cif});
    REQUIRE(s.size() == 1);
    write_structures(tmp / "crystal.extxyz.gz", s);
    const auto back = read_structures(tmp / "crystal.extxyz.gz");
    check_same_crystal(s[0], back[0], 1e-7);
}

TEST_CASE("a directory reads every *.cif in name order", "[structure_files]") {
    TempDir tmp;
    fs::copy_file(kDir + "mp-1111649.cif", tmp / "b.cif");
    fs::copy_file(kDir + "mp20_two_blocks.cif", tmp / "a.cif");
    fs::copy_file(kDir + "qm9_test_5.extxyz", tmp / "c.extxyz");  // not a CIF: ignored
    const auto s = read_structures(tmp.path.string());
    REQUIRE(s.size() == 3);
    CHECK(s[0].id == "mp-555560");
    CHECK(s[2].id == "K2NaScBr6");
}

TEST_CASE("CIF -> extended XYZ -> CIF keeps the crystal", "[structure_files]") {
    TempDir tmp;
    const auto in = read_structures(kDir + "mp20_test_5.csv");
    write_structures(tmp / "a.xyz", in);  // .xyz: crystals are still written extended
    write_structures(tmp / "b.cif", read_structures(tmp / "a.xyz"));
    const auto back = read_structures(tmp / "b.cif");
    REQUIRE(back.size() == in.size());
    for (std::size_t n = 0; n < in.size(); ++n) check_same_crystal(in[n], back[n], 1e-6);
}

TEST_CASE("SDF -> XYZ -> SDF keeps elements and coordinates", "[structure_files]") {
    TempDir tmp;
    const auto in = read_structures(kDir + "qm9_rdkit_3.sdf");
    write_structures(tmp / "m.xyz", in);
    write_structures(tmp / "m.sdf", read_structures(tmp / "m.xyz"));
    const auto back = read_structures(tmp / "m.sdf");
    REQUIRE(back.size() == in.size());
    for (std::size_t n = 0; n < in.size(); ++n) {
        CHECK(back[n].numbers == in[n].numbers);
        for (std::size_t i = 0; i < in[n].size(); ++i) CHECK((back[n].positions[i] - in[n].positions[i]).norm() < 1e-4);
    }
}

TEST_CASE("symmetrized CIF output reads back as the same crystal", "[structure_files]") {
    TempDir tmp;
    const auto in = read_structures(kDir + "mp-1111649.cif");  // K2NaScBr6, Fm-3m, primitive cell
    WriteOptions sym;
    sym.symmetrize = true;
    write_structures(tmp / "sym.cif", in, sym);
    const auto back = read_structures(tmp / "sym.cif");
    REQUIRE(back.size() == 1);
    CHECK(back[0].size() == 4 * in[0].size());  // the conventional F cell holds 4 primitive cells
    CHECK(chemical_formula(back[0]) == "Br24K8Na4Sc4");
    CHECK(back[0].lattice->volume() == Approx(4 * in[0].lattice->volume()).epsilon(1e-6));
}

TEST_CASE("failed writes leave no file behind", "[structure_files]") {
    TempDir tmp;
    const auto molecules = read_structures(kDir + "qm9_test_5.extxyz");
    CHECK_THROWS_WITH(write_structures(tmp / "m.cif", molecules), Catch::Contains("no lattice"));
    CHECK_FALSE(fs::exists(tmp / "m.cif"));
    const auto crystals = read_structures(kDir + "perov5_test_3.csv");
    CHECK_THROWS_WITH(write_structures(tmp / "c.sdf", crystals), Catch::Contains("periodic"));
    CHECK_FALSE(fs::exists(tmp / "c.sdf"));
    CHECK(fs::is_empty(tmp.path));  // no temporary files either
}

TEST_CASE("every malformed fixture is a ParseError naming its file", "[structure_files][errors]") {
    for (const auto& entry : fs::directory_iterator(kDir + "bad")) {
        const std::string path = entry.path().string();
        INFO(path);
        try {
            read_structures(path);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Catch::Contains(entry.path().filename().string()));
        }
    }
}
