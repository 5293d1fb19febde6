#include <catch2/catch.hpp>

#include "adit/metrics/edm_stability.hpp"

using adit::Structure;
using adit::metrics::edm_bond_order;
using adit::metrics::edm_stability;

namespace {
Structure molecule(std::vector<int> z, std::vector<Eigen::Vector3d> xyz) {
    Structure s;
    s.numbers = std::move(z);
    s.positions = std::move(xyz);
    return s;
}
}  // namespace

TEST_CASE("EDM bond orders follow the tables and margins", "[edm]") {
    // C-C: single 154, double 134, triple 120 pm; margins 10 / 5 / 3 pm.
    CHECK(edm_bond_order(6, 6, 1.54) == 1);
    CHECK(edm_bond_order(6, 6, 1.639) == 1);
    CHECK(edm_bond_order(6, 6, 1.641) == 0);
    CHECK(edm_bond_order(6, 6, 1.38) == 2);
    CHECK(edm_bond_order(6, 6, 1.40) == 1);  // aromatic-length C-C counts single, as in EDM
    CHECK(edm_bond_order(6, 6, 1.20) == 3);
    CHECK(edm_bond_order(6, 8, 1.22) == 2);  // carbonyl
    CHECK(edm_bond_order(1, 1, 0.74) == 1);
    CHECK(edm_bond_order(1, 8, 0.97) == 1);
    CHECK(edm_bond_order(8, 1, 0.97) == 1);  // symmetric
    CHECK(edm_bond_order(1, 26, 1.0) == 0);  // pair missing from the table
}

TEST_CASE("Water, methane and formaldehyde are stable; a stretched O-H is not", "[edm]") {
    Structure water = molecule({8, 1, 1}, {{0, 0, 0.1173}, {0, 0.7572, -0.4692}, {0, -0.7572, -0.4692}});
    auto w = edm_stability(water);
    CHECK(w.molecule_stable);
    CHECK(w.atom_stable_fraction() == Approx(1.0));
    CHECK(w.valence == std::vector<int>{2, 1, 1});

    Structure methane = molecule({6, 1, 1, 1, 1}, {{0, 0, 0},
                                                   {0.629, 0.629, 0.629},
                                                   {-0.629, -0.629, 0.629},
                                                   {-0.629, 0.629, -0.629},
                                                   {0.629, -0.629, -0.629}});
    CHECK(edm_stability(methane).molecule_stable);

    Structure formaldehyde = molecule({6, 8, 1, 1}, {{0, 0, 0}, {0, 0, 1.205}, {0, 0.94, -0.59}, {0, -0.94, -0.59}});
    auto f = edm_stability(formaldehyde);
    CHECK(f.valence[0] == 4);
    CHECK(f.valence[1] == 2);
    CHECK(f.molecule_stable);

    Structure broken = water;
    broken.positions[1] = {0, 2.5, -0.4692};
    auto b = edm_stability(broken);
    CHECK_FALSE(b.molecule_stable);
    CHECK(b.num_stable_atoms == 1);  // only the remaining H is right
    CHECK(b.atom_stable_fraction() == Approx(1.0 / 3.0));
}
