// Coverage recall / precision (coverage.hpp) on hand-built cells and on 20 MP-20 test crystals.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "adit/core/lattice.hpp"
#include "adit/io/cdvae_csv.hpp"
#include "adit/io/text_file.hpp"
#include "adit/metrics/coverage.hpp"

using adit::Lattice;
using adit::Structure;
using namespace adit::metrics;

namespace {

Structure cubic(double a, std::vector<int> z, const std::vector<Eigen::Vector3d>& frac) {
    Structure s;
    s.lattice = Lattice(Eigen::Matrix3d::Identity() * a);
    s.numbers = std::move(z);
    for (const auto& f : frac) s.positions.push_back(s.lattice->to_cartesian(f));
    return s;
}

Structure rocksalt(double a) {  // NaCl conventional cell
    std::vector<Eigen::Vector3d> fcc = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}}, frac;
    std::vector<int> z;
    for (const auto& f : fcc) {
        frac.push_back(f);
        z.push_back(11);
        frac.push_back(f + Eigen::Vector3d(.5, 0, 0));
        z.push_back(17);
    }
    return cubic(a, z, frac);
}

std::vector<const Structure*> pointers(const std::vector<Structure>& v) {
    std::vector<const Structure*> p;
    for (const Structure& s : v) p.push_back(&s);
    return p;
}

std::vector<Structure> mp20() {
    const std::string path = ADIT_TEST_DATA "/eval/mp20_test_first20.csv";
    return adit::read_cdvae_csv(adit::read_text_file(path), path);
}

}  // namespace

TEST_CASE("composition fingerprint: fraction-weighted statistics of element properties", "[metrics][coverage]") {
    const std::vector<double> fp = composition_fingerprint(rocksalt(5.64));
    REQUIRE(fp.size() == kCompositionFingerprintSize);
    CHECK(fp[0] == Approx(14.0));  // mean Z of Na (11) and Cl (17)
    CHECK(fp[1] == Approx(3.0));   // their standard deviation
    CHECK(fp[2] == Approx(11.0));  // min Z
    CHECK(fp[3] == Approx(17.0));  // max Z
    CHECK(fp[4] == Approx((0.93 + 3.16) / 2).epsilon(0.01));  // mean Pauling electronegativity
}

TEST_CASE("structure fingerprint: coordination shells, scale-free", "[metrics][coverage]") {
    const std::vector<double> salt = structure_fingerprint(rocksalt(5.64));
    REQUIRE(salt.size() == kStructureFingerprintSize);
    CHECK(salt[6] == Approx(1.0));  // every site octahedral
    // Shells of rock salt at 1, sqrt(2), sqrt(3) d_nn peak in bins [1.0,1.1), [1.4,1.5),
    // [1.7,1.8); nothing lies near 1.25 d_nn (bin [1.2,1.3)).
    CHECK(salt[13 + 0] > 0.05);
    CHECK(salt[13 + 4] > 0.05);
    CHECK(salt[13 + 7] > 0.05);
    CHECK(salt[13 + 2] < 1e-3);
    double sum = 0;
    for (std::size_t k = 13; k < salt.size(); ++k) sum += salt[k];
    CHECK(sum == Approx(1.0));
    const std::vector<double> bigger = structure_fingerprint(rocksalt(7.0));
    for (std::size_t k = 0; k < salt.size(); ++k) CHECK(bigger[k] == Approx(salt[k]).margin(1e-12));
    // CsCl: 8 neighbours at d_nn and 6 at 1.155 d_nn (weight 0.975 each on the 1.15..1.35 ramp),
    // 13.85 capped to the "12 or more" bin; far from rock salt.
    const std::vector<double> cscl = structure_fingerprint(cubic(4.1, {55, 17}, {{0, 0, 0}, {.5, .5, .5}}));
    CHECK(cscl[12] == Approx(1.0));
    double d2 = 0;
    for (std::size_t k = 0; k < salt.size(); ++k) d2 += (salt[k] - cscl[k]) * (salt[k] - cscl[k]);
    CHECK(std::sqrt(d2) > 0.4);
    Structure molecule;
    molecule.numbers = {8};
    molecule.positions = {Eigen::Vector3d::Zero()};
    CHECK_THROWS(structure_fingerprint(molecule));
}

TEST_CASE("coverage: identical sets are fully covered, perturbed and disjoint ones less", "[metrics][coverage]") {
    const std::vector<Structure> ref = mp20();
    REQUIRE(ref.size() == 20);
    const auto same = coverage(pointers(ref), pointers(ref));
    REQUIRE(same);
    CHECK(same->recall == Approx(1.0));
    CHECK(same->precision == Approx(1.0));
    CHECK(same->generated == 20);
    CHECK(same->reference == 20);

    // Precision divides by all samples, as CDVAE (here: 20 fingerprinted of 40 generated).
    const auto half = coverage(pointers(ref), pointers(ref), 40);
    CHECK(half->precision == Approx(0.5));

    // Random displacements (0.3 Å per coordinate) scramble the neighbour shells: most reference
    // structures lose their structural match.
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0.0, 0.3);
    std::vector<Structure> shaken = ref;
    for (Structure& s : shaken)
        for (auto& p : s.positions) p += Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
    const auto perturbed = coverage(pointers(shaken), pointers(ref));
    REQUIRE(perturbed);
    CHECK(perturbed->recall < 0.6);

    // Same geometries, every atom turned into caesium: no composition is near the reference's,
    // so neither side is covered although every structure fingerprint matches exactly.
    std::vector<Structure> caesium = ref;
    for (Structure& s : caesium)
        for (int& z : s.numbers) z = 55;
    const auto cs = coverage(pointers(caesium), pointers(ref));
    REQUIRE(cs);
    CHECK(cs->recall == Approx(0.0));
    CHECK(cs->precision == Approx(0.0));

    // Disjoint: rock salt and CsCl against MP-20 crystals covers only few of them.
    const std::vector<Structure> other = {rocksalt(5.64), cubic(4.1, {55, 17}, {{0, 0, 0}, {.5, .5, .5}})};
    const auto disjoint = coverage(pointers(other), pointers(ref));
    REQUIRE(disjoint);
    CHECK(disjoint->recall < 0.5);

    // Without anything fingerprintable there is no answer.
    Structure molecule;
    molecule.numbers = {8};
    molecule.positions = {Eigen::Vector3d::Zero()};
    CHECK_FALSE(coverage({&molecule}, pointers(ref)));
}
