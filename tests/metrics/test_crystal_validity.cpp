#include <catch2/catch.hpp>

#include "adit/core/lattice.hpp"
#include "adit/metrics/crystal_validity.hpp"

using adit::Lattice;
using adit::Structure;
using adit::metrics::smact_validity;
using adit::metrics::structural_validity;

namespace {
Structure crystal(const Eigen::Matrix3d& lat, std::vector<int> z, const std::vector<Eigen::Vector3d>& frac) {
    Structure s;
    s.lattice = Lattice(lat);
    s.numbers = std::move(z);
    s.positions.resize(frac.size());
    s.set_fractional_positions(frac);
    return s;
}
}  // namespace

TEST_CASE("Structural validity uses minimum-image distances and the cell volume", "[validity]") {
    // Rock salt primitive cell (a = 5.64 Å): Na-Cl nearest distance 2.82 Å.
    Eigen::Matrix3d fcc;
    fcc << 0, 2.82, 2.82, 2.82, 0, 2.82, 2.82, 2.82, 0;
    Structure nacl = crystal(fcc, {11, 17}, {{0, 0, 0}, {0.5, 0.5, 0.5}});
    auto v = structural_validity(nacl);
    CHECK(v.valid);
    CHECK(v.min_distance == Approx(2.82).epsilon(1e-6));

    // Two atoms 0.3 Å apart only through the periodic boundary.
    Structure close = crystal(Eigen::Matrix3d::Identity() * 4.0, {6, 6}, {{0.02, 0, 0}, {0.945, 0, 0}});
    auto c = structural_validity(close);
    CHECK_FALSE(c.valid);
    CHECK(c.min_distance == Approx(0.3).epsilon(1e-6));
    CHECK_FALSE(c.reason.empty());

    Structure flat = crystal(Eigen::Matrix3d::Identity() * 0.4, {6}, {{0, 0, 0}});
    CHECK_FALSE(structural_validity(flat).valid);  // 0.064 Å^3

    Structure molecule;
    molecule.numbers = {1};
    molecule.positions = {{0, 0, 0}};
    CHECK_FALSE(structural_validity(molecule).valid);
}

TEST_CASE("SMACT compositional validity as CDVAE computes it", "[validity]") {
    CHECK(smact_validity({11, 17}));              // NaCl
    CHECK(smact_validity({11, 11, 17, 17}));      // counts reduced by gcd
    CHECK_FALSE(smact_validity({11, 17, 17}));    // NaCl2: no neutral assignment
    CHECK(smact_validity({26, 8, 26, 8, 8}));     // Fe2O3
    CHECK(smact_validity({6, 6, 6}));             // a single element
    CHECK(smact_validity({26, 28, 28, 28}));      // all metals (alloy)
    CHECK_FALSE(smact_validity({2, 10}));         // He Ne: no oxidation states, not metals
    CHECK(smact_validity({14, 1, 1, 1, 1}));      // SiH4 (Si+4, H-1 passes Pauling)
    CHECK(smact_validity({3, 8, 8, 25}));         // LiMnO2
    // Cs and F: only Cs(+1)/F(-1) is neutral and it passes Pauling (0.79 < 3.98).
    CHECK(smact_validity({55, 9}));
    // O and F in OF2 need O(+2): O is less electronegative than F, so it passes.
    CHECK(smact_validity({8, 9, 9}));
    // PmYIr2 (MP-20 test): Pm has no Pauling electronegativity and is not in SMACT's metal list;
    // SMACT 2.2.1 fails a same-sign pair with a missing value, so CDVAE counts it invalid.
    CHECK_FALSE(smact_validity({61, 39, 77, 77}));
    // FO2: F has only -1, so no neutral assignment.
    CHECK_FALSE(smact_validity({9, 8, 8}));
}
