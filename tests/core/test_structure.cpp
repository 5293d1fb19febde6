#include <catch2/catch.hpp>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/structure.hpp"
#include "adit/core/text.hpp"

using Catch::Matchers::WithinAbs;

TEST_CASE("element table comes from the data file", "[elements]") {
    CHECK(adit::element(6).symbol == "C");
    CHECK_THAT(adit::element(6).mass, WithinAbs(12.0107, 1e-3));
    CHECK_THAT(adit::element(8).electronegativity, WithinAbs(3.44, 1e-9));
    CHECK_THAT(adit::element(6).covalent_radius, WithinAbs(0.76, 1e-9));
    CHECK(adit::element(26).oxidation_states == std::vector<int>{2, 3});
    CHECK(adit::atomic_number("Fe") == 26);
    CHECK(adit::atomic_number("FE") == 26);
    CHECK(adit::atomic_number("Xx") == 0);
    CHECK(adit::atomic_number("") == 0);
    CHECK_THROWS_AS(adit::element(0), adit::Error);
    CHECK_THROWS_AS(adit::element(200), adit::Error);
}

TEST_CASE("formula, mass and density", "[structure]") {
    adit::Structure ethanol;
    ethanol.numbers = {6, 6, 8, 1, 1, 1, 1, 1, 1};
    ethanol.positions.assign(9, Eigen::Vector3d::Zero());
    CHECK(adit::chemical_formula(ethanol) == "C2H6O");

    // NaCl rock salt, conventional cell a = 5.64 Å: 2.16 g/cm^3.
    adit::Structure nacl;
    nacl.lattice = adit::Lattice(Eigen::Matrix3d::Identity() * 5.64);
    for (int i = 0; i < 4; ++i) nacl.numbers.push_back(11);
    for (int i = 0; i < 4; ++i) nacl.numbers.push_back(17);
    nacl.set_fractional_positions({{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5},
                                   {0.5, 0, 0}, {0, 0.5, 0}, {0, 0, 0.5}, {0.5, 0.5, 0.5}});
    CHECK(adit::chemical_formula(nacl) == "Cl4Na4");
    CHECK_THAT(adit::density(nacl), WithinAbs(2.165, 0.005));
    CHECK_THROWS_AS(adit::density(ethanol), adit::Error);
}

TEST_CASE("validate names what is wrong", "[structure]") {
    adit::Structure s;
    s.id = "bad";
    s.numbers = {6, 1};
    s.positions = {Eigen::Vector3d::Zero()};
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("2 atomic numbers but 1 positions"));
    s.positions.push_back({std::nan(""), 0, 0});
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("non-finite"));
    s.positions[1] = {1, 0, 0};
    s.bonds.push_back({0, 5, 1});
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("out of range"));
    s.bonds.clear();
    CHECK_NOTHROW(s.validate());
}

TEST_CASE("strict number parsing", "[text]") {
    CHECK(adit::parse_double("1.5") == 1.5);
    CHECK(adit::parse_double(" -2.5e-3 ") == -2.5e-3);
    CHECK(adit::parse_double("1.5*^-3") == 1.5e-3);  // QM9's Mathematica exponents
    CHECK(!adit::parse_double("1.5x"));
    CHECK(!adit::parse_double("nan"));
    CHECK(!adit::parse_double("inf"));
    CHECK(!adit::parse_double(""));
    CHECK(adit::parse_int("42") == 42);
    CHECK(!adit::parse_int("4.2"));
    CHECK(adit::split_whitespace("  a b\tc ").size() == 3);
}
