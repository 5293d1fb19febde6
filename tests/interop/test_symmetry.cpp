// tests for src/adit/interop/symmetry.cpp: spglib space groups against the Materials Project's
// own labels (the MP-20 `spacegroup.number` column) and textbook crystals.
#include <catch2/catch.hpp>

#include <sstream>

#include "adit/core/error.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/interop/symmetry.hpp"
#include "adit/io/cif.hpp"

using namespace adit;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

Structure rock_salt_primitive() {
    Structure s;
    s.id = "NaCl";
    s.lattice = Lattice((Eigen::Matrix3d() << 0, 2.82, 2.82, 2.82, 0, 2.82, 2.82, 2.82, 0).finished());
    s.numbers = {11, 17};
    s.positions = {{0, 0, 0}, {2.82, 2.82, 2.82}};
    return s;
}
}  // namespace

TEST_CASE("space groups of MP-20 crystals equal the Materials Project labels", "[symmetry]") {
    for (const Structure& s : read_structures(kDir + "mp20_test_5.csv")) {
        INFO(s.id);
        CHECK(find_space_group(s).number == s.properties.number("spacegroup.number"));
    }
}

TEST_CASE("textbook crystals: rock salt and diamond", "[symmetry]") {
    const SpaceGroup nacl = find_space_group(rock_salt_primitive());
    CHECK(nacl.number == 225);
    CHECK(nacl.symbol == "Fm-3m");
    const SpaceGroup si = find_space_group(read_structures(kDir + "Si_icsd_style.cif")[0]);
    CHECK(si.number == 227);
    CHECK(si.symbol == "Fd-3m");
}

TEST_CASE("symprec decides whether a small distortion breaks the symmetry", "[symmetry]") {
    Structure s = rock_salt_primitive();
    s.positions[1] += Eigen::Vector3d(0.05, 0, 0);  // 0.05 Å off the ideal site
    CHECK(find_space_group(s, {0.1, 5}).number == 225);
    CHECK(find_space_group(s, {0.01, 5}).number < 225);
}

TEST_CASE("symmetrize gives the conventional cell, all operators and the asymmetric unit", "[symmetry]") {
    const SymmetrizedCrystal c = symmetrize(rock_salt_primitive());
    CHECK(c.space_group_number == 225);
    CHECK(c.operations.size() == 192);  // 48 point operations x 4 face-centring translations
    CHECK(c.lattice.parameters().a == Approx(5.64));
    REQUIRE(c.sites.size() == 2);
    CHECK(c.sites[0].number == 11);  // Na is less electronegative than Cl: listed first
    CHECK(c.sites[0].multiplicity == 4);
    CHECK(c.sites[1].multiplicity == 4);
    std::ostringstream out;
    write_symmetrized_cif(out, {c});
    const auto back = read_cif(out.str(), "nacl-sym");
    REQUIRE(back.size() == 1);
    CHECK(back[0].size() == 8);
    CHECK(find_space_group(back[0]).number == 225);
}

TEST_CASE("a molecule has no space group", "[symmetry]") {
    Structure water;
    water.numbers = {8, 1, 1};
    water.positions = {{0, 0, 0}, {0.76, 0.59, 0}, {-0.76, 0.59, 0}};
    CHECK_THROWS_AS(find_space_group(water), Error);
}

TEST_CASE("a CIF naming only its space group is expanded from spglib's tables", "[symmetry][cif]") {
    auto cif = [](const std::string& symbol, const std::string& site) {
        return "data_x\n_symmetry_space_group_name_H-M '" + symbol +
               "'\n_cell_length_a 5.431\n_cell_length_b 5.431\n_cell_length_c 5.431\n_cell_angle_alpha 90\n"
               "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
               "_atom_site_fract_y\n_atom_site_fract_z\n" + site + "\n";
    };
    const CifSource source{"mem.cif", 1, {}, space_group_operations};
    const auto nacl = read_cif(cif("F m -3 m", "Na1 0 0 0\nCl1 0.5 0.5 0.5"), source);
    CHECK(nacl[0].size() == 8);
    CHECK(find_space_group(nacl[0]).number == 225);
    // Fd-3m has two origin choices: 8a is (1/8, 1/8, 1/8) in choice 2 and (0, 0, 0) in choice 1.
    const auto si2 = read_cif(cif("F d -3 m :2", "Si1 0.125 0.125 0.125"), source);
    CHECK(si2[0].size() == 8);
    const auto si1 = read_cif(cif("F d -3 m S", "Si1 0 0 0"), source);  // ICSD's S = choice 1
    CHECK(si1[0].size() == 8);
    CHECK(find_space_group(si1[0]).number == 227);
    CHECK_THROWS_WITH(read_cif(cif("F d -3 m", "Si1 0 0 0"), source), Catch::Contains("setting cannot be told"));
    CHECK(space_group_operations("P 63/m m c", 0).size() == 24);
    CHECK(space_group_operations("", 194).size() == 24);
    CHECK(space_group_operations("Q 7", 0).empty());
}
