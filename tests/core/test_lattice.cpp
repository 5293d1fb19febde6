#include <catch2/catch.hpp>

#include <cmath>

#include "adit/core/error.hpp"
#include "adit/core/lattice.hpp"

using adit::Lattice;
using Catch::Matchers::WithinAbs;

TEST_CASE("lattice parameters round-trip through pymatgen's orientation", "[lattice]") {
    // Monoclinic and triclinic cells; pymatgen's from_parameters gives c along z.
    for (const adit::LatticeParameters p : {adit::LatticeParameters{3.0, 4.0, 5.0, 90, 90, 90},
                                            adit::LatticeParameters{7.239, 7.239, 6.799, 90, 90, 120},
                                            adit::LatticeParameters{2.488, 4.304, 5.560, 104.98, 77.07, 106.79}}) {
        const Lattice l = adit::lattice_from_parameters(p);
        const adit::LatticeParameters q = l.parameters();
        CHECK_THAT(q.a, WithinAbs(p.a, 1e-9));
        CHECK_THAT(q.b, WithinAbs(p.b, 1e-9));
        CHECK_THAT(q.c, WithinAbs(p.c, 1e-9));
        CHECK_THAT(q.alpha, WithinAbs(p.alpha, 1e-9));
        CHECK_THAT(q.beta, WithinAbs(p.beta, 1e-9));
        CHECK_THAT(q.gamma, WithinAbs(p.gamma, 1e-9));
        CHECK_THAT(l.vectors()(2, 0), WithinAbs(0.0, 1e-12));
        CHECK_THAT(l.vectors()(2, 1), WithinAbs(0.0, 1e-12));
    }
}

TEST_CASE("hexagonal cell volume matches the closed form", "[lattice]") {
    const Lattice l = adit::lattice_from_parameters({7.23903594, 7.23903594, 6.798696, 90, 90, 120});
    // The MP-20 record mp-31474 (Rb2Hg7) states _cell_volume 308.54443818.
    CHECK_THAT(l.volume(), WithinAbs(308.54443818, 1e-4));
}

TEST_CASE("fractional and Cartesian coordinates convert both ways", "[lattice]") {
    const Lattice l = adit::lattice_from_parameters({2.488, 4.304, 5.560, 104.98, 77.07, 106.79});
    const Eigen::Vector3d f(0.86007107, 0.12297792, 0.62914364);
    const Eigen::Vector3d r = l.to_cartesian(f);
    CHECK((l.to_fractional(r) - f).norm() < 1e-12);
    CHECK((r - (f[0] * l.vectors().row(0) + f[1] * l.vectors().row(1) + f[2] * l.vectors().row(2)).transpose()).norm() < 1e-12);
}

TEST_CASE("minimum-image distance finds the nearest periodic copy", "[lattice]") {
    const Lattice cubic(Eigen::Matrix3d::Identity() * 4.0);
    CHECK_THAT(cubic.minimum_image_distance({0.1, 0.1, 0.1}, {3.9, 3.9, 3.9}), WithinAbs(std::sqrt(3 * 0.04), 1e-12));
    // A strongly sheared cell: the naive fractional wrap is wrong here, the reduced search is not.
    Eigen::Matrix3d m;
    m << 1, 0, 0, 5.3, 1, 0, 0, 0, 1;
    const Lattice sheared(m);
    const Eigen::Vector3d a(0, 0, 0), b = sheared.to_cartesian({0.0, 0.5, 0.0});
    double brute = 1e9;
    for (int i = -8; i <= 8; ++i)
        for (int j = -8; j <= 8; ++j)
            for (int k = -8; k <= 8; ++k) brute = std::min(brute, (b - a + sheared.to_cartesian({double(i), double(j), double(k)})).norm());
    CHECK_THAT(sheared.minimum_image_distance(a, b), WithinAbs(brute, 1e-12));
}

TEST_CASE("singular and non-finite lattices are rejected", "[lattice]") {
    Eigen::Matrix3d flat;
    flat << 1, 0, 0, 0, 1, 0, 1, 1, 0;
    CHECK(Lattice(flat).is_singular());
    CHECK_THROWS_AS(Lattice(flat).to_fractional({1, 1, 1}), adit::Error);
    Eigen::Matrix3d bad = Eigen::Matrix3d::Identity();
    bad(1, 1) = std::nan("");
    CHECK_THROWS_AS(Lattice(bad), adit::Error);
    CHECK_THROWS_AS(adit::lattice_from_parameters({0, 1, 1, 90, 90, 90}), adit::Error);
}
