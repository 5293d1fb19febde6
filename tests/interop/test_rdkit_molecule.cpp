// tests for src/adit/interop/rdkit_molecule.cpp on an SDF written by RDKit (tests/data/formats).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/interop/rdkit_molecule.hpp"
#include "adit/io/text_file.hpp"

using namespace adit;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

std::vector<Structure> read_fixture(const std::string& name) { return read_sdf(read_text_file(kDir + name), name); }
}  // namespace

TEST_CASE("SDF records: atoms, coordinates, bonds, charges, SD properties", "[sdf]") {
    const auto mols = read_fixture("qm9_rdkit_3.sdf");
    REQUIRE(mols.size() == 3);
    const Structure& m = mols[0];
    CHECK(m.id == "gdb_11");
    CHECK(m.numbers == std::vector<int>{6, 6, 8, 1, 1, 1, 1});
    CHECK(m.positions[0].x() == Approx(-0.6036));
    CHECK(m.positions[2].y() == Approx(-0.8874));
    REQUIRE(m.bonds.size() == 6);
    CHECK(m.bonds[1].i == 1);
    CHECK(m.bonds[1].j == 2);
    CHECK(m.bonds[1].order == 2);  // C=O
    CHECK(std::get<std::string>(*m.properties.find("smiles")) == "CC=O");
    CHECK(m.properties.number("gdb_index") == 11);
    const Structure& glycine = mols[2];
    CHECK(glycine.id == "glycine_zwitterion");
    CHECK(std::count(glycine.charges.begin(), glycine.charges.end(), 1) == 1);
    CHECK(std::count(glycine.charges.begin(), glycine.charges.end(), -1) == 1);
}

TEST_CASE("SDF round trip keeps everything", "[sdf]") {
    const auto mols = read_fixture("qm9_rdkit_3.sdf");
    std::ostringstream out;
    write_sdf(out, mols);
    const auto back = read_sdf(out.str(), "round-trip");
    REQUIRE(back.size() == mols.size());
    for (std::size_t n = 0; n < mols.size(); ++n) {
        CHECK(back[n].id == mols[n].id);
        CHECK(back[n].numbers == mols[n].numbers);
        CHECK(back[n].charges == mols[n].charges);
        REQUIRE(back[n].bonds.size() == mols[n].bonds.size());
        for (std::size_t b = 0; b < mols[n].bonds.size(); ++b) CHECK(back[n].bonds[b].order == mols[n].bonds[b].order);
        for (std::size_t i = 0; i < mols[n].size(); ++i) CHECK((back[n].positions[i] - mols[n].positions[i]).norm() < 1e-4);
        CHECK(back[n].properties.size() == mols[n].properties.size());
        CHECK(back[n].properties.number("gdb_index") == mols[n].properties.number("gdb_index"));
    }
}

TEST_CASE("a crystal cannot be written as SDF", "[sdf]") {
    Structure s;
    s.lattice = Lattice(Eigen::Matrix3d::Identity() * 3);
    s.numbers = {29};
    s.positions = {{0, 0, 0}};
    std::ostringstream out;
    CHECK_THROWS_WITH(write_sdf(out, {s}), Catch::Contains("periodic"));
}

TEST_CASE("malformed SDF gives errors naming file, record and line", "[sdf][errors]") {
    struct Case {
        const char* file;
        std::size_t line;  // the first line of the failing record
        const char* says;
    };
    for (const Case& c : {Case{"truncated.sdf", 1, "no 'M  END'"}, Case{"wrong_count.sdf", 1, "record 1"},
                          Case{"unknown_element.sdf", 1, "Xq"}, Case{"nan.sdf", 1, "record 1"},
                          Case{"empty.sdf", 0, "empty file"}}) {
        INFO(c.file);
        const std::string path = kDir + "bad/" + c.file;
        try {
            read_sdf(read_text_file(path), path);
            FAIL("no error");
        } catch (const ParseError& e) {
            CHECK(e.path() == path);
            CHECK(e.line() == c.line);
            CHECK_THAT(e.what(), Catch::Contains(c.says));
        }
    }
}
