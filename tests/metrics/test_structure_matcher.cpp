#include <catch2/catch.hpp>

#include <numeric>
#include <random>

#include "adit/core/lattice.hpp"
#include "adit/metrics/structure_matcher.hpp"

using adit::Lattice;
using adit::Structure;
using namespace adit::metrics;

namespace {
Structure crystal(const Eigen::Matrix3d& lat, std::vector<int> z, const std::vector<Eigen::Vector3d>& frac) {
    Structure s;
    s.lattice = Lattice(lat);
    s.numbers = std::move(z);
    s.positions.resize(frac.size());
    s.set_fractional_positions(frac);
    return s;
}

// Conventional rock-salt NaCl, a = 5.64 Å (8 atoms).
Structure rocksalt(double a = 5.64) {
    std::vector<Eigen::Vector3d> f;
    std::vector<int> z;
    const Eigen::Vector3d fcc[4] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    for (const auto& p : fcc) {
        f.push_back(p);
        z.push_back(11);
        f.push_back(p + Eigen::Vector3d(0.5, 0, 0));
        z.push_back(17);
    }
    return crystal(Eigen::Matrix3d::Identity() * a, z, f);
}

// Rutile TiO2 (P4_2/mnm, a = 4.594, c = 2.959, x = 0.305): 6 atoms, already primitive.
Structure rutile() {
    Eigen::Matrix3d l = Eigen::Vector3d(4.594, 4.594, 2.959).asDiagonal();
    const double x = 0.305;
    return crystal(l, {22, 22, 8, 8, 8, 8},
                   {{0, 0, 0}, {0.5, 0.5, 0.5}, {x, x, 0}, {1 - x, 1 - x, 0}, {0.5 + x, 0.5 - x, 0.5}, {0.5 - x, 0.5 + x, 0.5}});
}
}  // namespace

TEST_CASE("Niggli reduction of a skewed cell gives the reduced cell's metric", "[matcher]") {
    Eigen::Matrix3d cubic = Eigen::Matrix3d::Identity() * 3.0;
    Eigen::Matrix3d skew;
    skew << 1, 0, 0, 5, 1, 0, -3, 2, 1;  // unimodular
    Eigen::Matrix3d r = niggli_reduce(skew * cubic);
    Eigen::Matrix3d g = r * r.transpose();
    CHECK(g(0, 0) == Approx(9.0));
    CHECK(g(1, 1) == Approx(9.0));
    CHECK(g(2, 2) == Approx(9.0));
    CHECK(std::abs(g(0, 1)) < 1e-9);
    CHECK(std::abs(r.determinant()) == Approx(27.0));
    CHECK(r.determinant() > 0);
}

TEST_CASE("Hungarian assignment finds the minimum-cost permutation", "[matcher]") {
    Eigen::MatrixXd c(3, 3);
    c << 4, 1, 3, 2, 0, 5, 3, 2, 2;
    CHECK(linear_assignment(c) == std::vector<int>{1, 0, 2});
}

TEST_CASE("LAPJV finds assignments as cheap as the Hungarian algorithm", "[matcher]") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(0.0, 10.0);
    for (int n : {1, 2, 5, 12, 20}) {
        Eigen::MatrixXd c(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) c(i, j) = std::round(u(rng));  // integer costs: many ties
        auto cost = [&](const std::vector<int>& s) {
            double t = 0;
            for (int i = 0; i < n; ++i) t += c(i, s[i]);
            return t;
        };
        std::vector<int> a = lapjv_assignment(c), b = linear_assignment(c);
        std::vector<int> sorted = a;
        std::sort(sorted.begin(), sorted.end());
        for (int i = 0; i < n; ++i) CHECK(sorted[i] == i);  // a permutation
        CHECK(cost(a) == Approx(cost(b)));
    }
}

TEST_CASE("The primitive cell of conventional rock salt has 2 atoms", "[matcher]") {
    ReducedStructure r = reduce_for_matching(rocksalt());
    CHECK(r.size() == 2);
    CHECK(std::abs(r.lattice.determinant()) == Approx(5.64 * 5.64 * 5.64 / 4).epsilon(1e-6));
    CHECK(reduce_for_matching(rutile()).size() == 6);
}

TEST_CASE("Matches survive supercells, permutations, shifts and small strain", "[matcher]") {
    Structure a = rutile();
    // 1x1x2 supercell with shuffled sites and a rigid shift.
    Structure sc;
    Eigen::Matrix3d l = a.lattice->vectors();
    l.row(2) *= 2;
    sc.lattice = Lattice(l);
    std::vector<Eigen::Vector3d> f;
    auto fa = a.fractional_positions();
    for (int k = 0; k < 2; ++k)
        for (std::size_t i = 0; i < a.size(); ++i) {
            f.push_back(Eigen::Vector3d(fa[i].x() + 0.13, fa[i].y() - 0.07, (fa[i].z() + k) / 2 + 0.21));
            sc.numbers.push_back(a.numbers[i]);
        }
    std::mt19937 rng(7);
    std::vector<std::size_t> perm(f.size());
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    Structure shuffled = sc;
    std::vector<Eigen::Vector3d> fs(f.size());
    for (std::size_t i = 0; i < perm.size(); ++i) {
        fs[i] = f[perm[i]];
        shuffled.numbers[i] = sc.numbers[perm[i]];
    }
    shuffled.positions.resize(fs.size());
    shuffled.set_fractional_positions(fs);
    MatchResult m = match_structures(a, shuffled);
    CHECK(m.match);
    REQUIRE(m.rms);
    CHECK(*m.rms < 1e-6);

    // 8 % strain along a: within ltol 0.2; positions scale with it, so still a match.
    Structure strained = a;
    Eigen::Matrix3d ls = a.lattice->vectors();
    ls.row(0) *= 1.08;
    strained.lattice = Lattice(ls);
    strained.set_fractional_positions(a.fractional_positions());
    MatchResult ms = match_structures(a, strained);
    CHECK(ms.match);
    REQUIRE(ms.rms);
    CHECK(*ms.rms < 1e-6);  // same fractional coordinates: distances are taken on the averaged lattice

    // 45 % strain: no lattice mapping within ltol.
    ls.row(0) = a.lattice->vectors().row(0) * 1.45;
    strained.lattice = Lattice(ls);
    strained.set_fractional_positions(a.fractional_positions());
    CHECK_FALSE(match_structures(a, strained).match);
}

TEST_CASE("Substituted species or moved atoms do not match", "[matcher]") {
    Structure a = rutile();
    Structure sub = a;
    sub.numbers[0] = 50;  // Sn on one Ti site
    sub.numbers[1] = 50;
    CHECK_FALSE(match_structures(a, sub).match);

    Structure moved = a;
    auto f = a.fractional_positions();
    f[2] = Eigen::Vector3d(0.5, 0.0, 0.25);  // an O far from any O site
    moved.set_fractional_positions(f);
    MatchResult m = match_structures(a, moved);
    CHECK_FALSE(m.match);

    CHECK(match_structures(rocksalt(), rocksalt(5.9)).match);  // volume is scaled away
}
