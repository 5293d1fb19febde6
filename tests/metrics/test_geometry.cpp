// Tests of src/adit/metrics/geometry.cpp: Molecule3D's D-MAE, D-RMSE and C-RMSD.
#include <catch2/catch.hpp>

#include <cmath>

#include "adit/core/error.hpp"
#include "adit/metrics/geometry.hpp"

using adit::metrics::compare_geometries;
using adit::metrics::geometry_errors;
using adit::metrics::kabsch_rmsd;
using V = std::vector<Eigen::Vector3d>;

namespace {

// A chiral, irregular 5-atom arrangement (Å).
V sample() {
    return {{0.0, 0.0, 0.0}, {1.52, 0.0, 0.0}, {-0.51, 1.43, 0.0}, {-0.36, -0.51, 0.89}, {2.1, 0.7, -0.6}};
}

V rigid_motion(const V& x) {
    const Eigen::Matrix3d r = (Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized())).toRotationMatrix();
    V out;
    for (const auto& p : x) out.push_back(r * p + Eigen::Vector3d(3.0, -1.0, 7.5));
    return out;
}

adit::Structure molecule(std::vector<int> z, V pos) {
    adit::Structure s;
    s.numbers = std::move(z);
    s.positions = std::move(pos);
    return s;
}

}  // namespace

TEST_CASE("a rigid motion of the reference has zero error", "[geometry]") {
    const auto e = geometry_errors(rigid_motion(sample()), sample());
    CHECK(e.d_mae == Approx(0).margin(1e-12));
    CHECK(e.d_rmse == Approx(0).margin(1e-12));
    CHECK(e.c_rmsd == Approx(0).margin(1e-9));
    CHECK(e.pairs == 10);
}

TEST_CASE("two atoms: errors by hand", "[geometry]") {
    // distance 1.0 vs 1.5: every pair error 0.5; aligned, each atom is 0.25 Å off.
    const auto e = geometry_errors({{0, 0, 0}, {1, 0, 0}}, {{5, 5, 5}, {5, 6.5, 5}});
    CHECK(e.d_mae == Approx(0.5));
    CHECK(e.d_rmse == Approx(0.5));
    CHECK(e.c_rmsd == Approx(0.25));
}

TEST_CASE("three atoms: MAE and RMSE differ as they should", "[geometry]") {
    // Reference: right triangle 3-4-5; prediction: 3-4 legs stretched to 3.3 and 4 -> hyp 5.1788
    const V ref = {{0, 0, 0}, {3, 0, 0}, {0, 4, 0}};
    const V pred = {{0, 0, 0}, {3.3, 0, 0}, {0, 4, 0}};
    const double e1 = 0.3, e2 = 0.0, e3 = std::sqrt(3.3 * 3.3 + 16.0) - 5.0;
    const auto e = geometry_errors(pred, ref);
    CHECK(e.d_mae == Approx((e1 + e2 + e3) / 3));
    CHECK(e.d_rmse == Approx(std::sqrt((e1 * e1 + e2 * e2 + e3 * e3) / 3)));
    CHECK(e.c_rmsd > 0.0);
    CHECK(e.c_rmsd < 0.3);
}

TEST_CASE("C-RMSD does not allow a mirror image; distances cannot tell", "[geometry]") {
    V mirror = sample();
    for (auto& p : mirror) p.z() = -p.z();
    const auto e = geometry_errors(mirror, sample());
    CHECK(e.d_mae == Approx(0).margin(1e-12));
    CHECK(e.c_rmsd > 0.1);
}

TEST_CASE("kabsch_rmsd finds the optimum: no other rotation does better", "[geometry]") {
    V pred = sample();
    pred[4] += Eigen::Vector3d(0.3, -0.2, 0.1);
    const double best = kabsch_rmsd(pred, sample());
    for (double angle : {0.05, -0.05, 0.2}) {
        const Eigen::Matrix3d r = Eigen::AngleAxisd(angle, Eigen::Vector3d::UnitZ()).toRotationMatrix();
        V moved;
        for (const auto& p : pred) moved.push_back(r * p);
        // rotate the already-optimal superposition a bit: RMSD after re-alignment unchanged,
        // plain RMSD of a perturbed alignment never below the optimum
        CHECK(kabsch_rmsd(moved, sample()) == Approx(best).epsilon(1e-9));
    }
    double plain = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) plain += (pred[i] - sample()[i]).squaredNorm();
    CHECK(best <= std::sqrt(plain / pred.size()) + 1e-12);
}

TEST_CASE("dataset means are over molecules; pooled values over pairs", "[geometry]") {
    const auto a = molecule({6, 6}, {{0, 0, 0}, {1, 0, 0}});
    const auto a_ref = molecule({6, 6}, {{0, 0, 0}, {1.5, 0, 0}});  // 1 pair, error 0.5
    const auto b = molecule({6, 1, 1}, {{0, 0, 0}, {3, 0, 0}, {0, 4, 0}});  // 3 pairs, error 0
    const auto s = compare_geometries({a, b}, {a_ref, b});
    CHECK(s.n == 2);
    CHECK(s.d_mae == Approx(0.25));
    CHECK(s.d_rmse == Approx(0.25));
    CHECK(s.d_mae_pooled == Approx(0.5 / 4));
    CHECK(s.d_rmse_pooled == Approx(std::sqrt(0.25 / 4)));
    CHECK(s.per_molecule.size() == 2);
}

TEST_CASE("records must pair up", "[geometry]") {
    const auto a = molecule({6, 8}, {{0, 0, 0}, {1.2, 0, 0}});
    const auto b = molecule({6, 7}, {{0, 0, 0}, {1.2, 0, 0}});
    const auto c = molecule({6, 8, 1}, {{0, 0, 0}, {1.2, 0, 0}, {-1, 0, 0}});
    CHECK_THROWS_AS(compare_geometries({a}, {a, a}), adit::Error);
    CHECK_THROWS_WITH(compare_geometries({a}, {b}), Catch::Contains("record 1") && Catch::Contains("Z=8"));
    CHECK_THROWS_WITH(compare_geometries({a}, {c}), Catch::Contains("2 atoms predicted vs 3"));
}
