#include "adit/metrics/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/parallel.hpp"

namespace adit::metrics {
namespace {

constexpr double kDefaultRadius = 1.5;  // Å, for elements without a covalent radius
// First shell: neighbours with d / d_nn <= 1.15 count 1, falling linearly to 0 at 1.35.
constexpr double kShellInner = 1.15, kShellOuter = 1.35;
constexpr int kMaxCoordination = 12;     // one-hot 0..12, the last bin is "12 or more"
constexpr double kBinStart = 1.0, kBinWidth = 0.1;
constexpr int kBins = 14;                // d / d_nn bins covering [1.0, 2.4)
constexpr double kSmearing = 0.05;       // Gaussian width of one neighbour in the histogram
constexpr double kNeighbourReach = 2.5;  // neighbours considered out to 2.5 d_nn

double radius(int z) {
    const double r = element(z).covalent_radius;
    return r > 0 ? r : kDefaultRadius;
}

double squared_distance(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t k = 0; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}

}  // namespace

std::vector<double> composition_fingerprint(const Structure& s) {
    if (s.numbers.empty()) fail("composition fingerprint of an empty structure");
    std::map<int, double> count;
    for (int z : s.numbers) count[z] += 1;
    const double n = static_cast<double>(s.numbers.size());
    std::vector<double> fp;
    fp.reserve(kCompositionFingerprintSize);
    for (int p = 0; p < 4; ++p) {
        auto value = [p](int z) {
            const Element& e = element(z);
            switch (p) {
                case 0: return static_cast<double>(z);
                case 1: return e.electronegativity;
                case 2: return radius(z);
                default: return e.mass;
            }
        };
        double mean = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto& [z, c] : count) {
            const double v = value(z);
            mean += c / n * v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        double var = 0;
        for (const auto& [z, c] : count) var += c / n * (value(z) - mean) * (value(z) - mean);
        fp.insert(fp.end(), {mean, std::sqrt(var), lo, hi});
    }
    return fp;
}

std::vector<double> structure_fingerprint(const Structure& s) {
    if (!s.lattice || s.lattice->is_singular()) fail("structure fingerprint needs a non-singular lattice");
    if (s.numbers.empty()) fail("structure fingerprint of an empty structure");
    // Work in the LLL-reduced cell: the fewest images reach a given distance.
    const Lattice lat = s.lattice->lll_reduced();
    const Eigen::Matrix3d& L = lat.vectors();
    std::vector<Eigen::Vector3d> cart(s.positions.size());
    for (std::size_t i = 0; i < cart.size(); ++i) {
        Eigen::Vector3d f = lat.to_fractional(s.positions[i]);
        for (int k = 0; k < 3; ++k) f[k] -= std::floor(f[k]);
        cart[i] = lat.to_cartesian(f);
    }
    const double volume = lat.volume();
    // Calls f(i, distance) for every neighbour image of every site i closer than `cutoff`.
    auto for_neighbours = [&](double cutoff, auto&& f) {
        int range[3];
        for (int k = 0; k < 3; ++k) {  // images needed: cutoff / interplanar spacing V / |b x c|
            const double h = volume / L.row((k + 1) % 3).cross(L.row((k + 2) % 3)).norm();
            range[k] = static_cast<int>(std::ceil(cutoff / h)) + 1;
        }
        for (int a = -range[0]; a <= range[0]; ++a)
            for (int b = -range[1]; b <= range[1]; ++b)
                for (int c = -range[2]; c <= range[2]; ++c) {
                    const Eigen::Vector3d shift = (double(a) * L.row(0) + double(b) * L.row(1) + double(c) * L.row(2)).transpose();
                    for (std::size_t i = 0; i < cart.size(); ++i)
                        for (std::size_t j = 0; j < cart.size(); ++j) {
                            if (i == j && a == 0 && b == 0 && c == 0) continue;
                            const double d = (cart[j] + shift - cart[i]).norm();
                            if (d < cutoff) f(i, d);
                        }
                }
    };
    // Nearest-neighbour distance of each site: the shortest lattice vector bounds it.
    double bound = std::numeric_limits<double>::infinity();
    for (int k = 0; k < 3; ++k) bound = std::min(bound, L.row(k).norm());
    std::vector<double> nearest(cart.size(), std::numeric_limits<double>::infinity());
    for_neighbours(bound * 1.0001, [&](std::size_t i, double d) { nearest[i] = std::min(nearest[i], d); });
    double far = 0;
    for (double d : nearest) {
        if (!(d > 1e-3)) fail("structure fingerprint: two sites coincide");
        far = std::max(far, d);
    }
    // Smooth versions of a hard shell count and a hard histogram, so that small displacements
    // move the fingerprint a little rather than flipping a site from one bin to the next.
    std::vector<double> coordination(cart.size(), 0.0);
    std::vector<std::vector<double>> hist(cart.size(), std::vector<double>(kBins, 0.0));
    for_neighbours(far * kNeighbourReach, [&](std::size_t i, double d) {
        const double x = d / nearest[i];
        coordination[i] += std::clamp((kShellOuter - x) / (kShellOuter - kShellInner), 0.0, 1.0);
        double weights[kBins], total = 0;
        for (int k = 0; k < kBins; ++k) {
            const double u = (x - (kBinStart + (k + 0.5) * kBinWidth)) / kSmearing;
            weights[k] = std::exp(-0.5 * u * u);
            total += weights[k];
        }
        if (total > 1e-12)
            for (int k = 0; k < kBins; ++k) hist[i][k] += weights[k] / total;
    });
    std::vector<double> fp(kStructureFingerprintSize, 0.0);
    const double sites = static_cast<double>(cart.size());
    for (std::size_t i = 0; i < cart.size(); ++i) {
        // A fractional coordination number is shared between the two neighbouring one-hot bins.
        const double cn = std::min(coordination[i], static_cast<double>(kMaxCoordination));
        const int lo = static_cast<int>(std::floor(cn));
        const double frac = cn - lo;
        fp[lo] += (1 - frac) / sites;
        if (frac > 0) fp[lo + 1] += frac / sites;
        double total = 0;
        for (double h : hist[i]) total += h;
        if (total > 0)
            for (int k = 0; k < kBins; ++k) fp[kMaxCoordination + 1 + k] += hist[i][k] / total / sites;
    }
    return fp;
}

std::optional<Coverage> coverage(const std::vector<const Structure*>& generated,
                                 const std::vector<const Structure*>& reference, std::size_t num_generated,
                                 const CoverageOptions& options) {
    struct Prints {
        std::vector<std::vector<double>> comp, structure;
    };
    auto fingerprints = [&](const std::vector<const Structure*>& set) {
        std::vector<std::optional<std::pair<std::vector<double>, std::vector<double>>>> fps(set.size());
        parallel_for(set.size(), options.threads, [&](std::size_t i) {
            try {
                fps[i].emplace(composition_fingerprint(*set[i]), structure_fingerprint(*set[i]));
            } catch (const std::exception&) {
                // left out: no lattice, unknown element...
            }
        });
        Prints p;
        for (auto& f : fps)
            if (f) {
                p.comp.push_back(std::move(f->first));
                p.structure.push_back(std::move(f->second));
            }
        return p;
    };
    Prints gen = fingerprints(generated), ref = fingerprints(reference);
    if (gen.comp.empty() || ref.comp.empty()) return std::nullopt;

    // Standardise the composition fingerprints with the reference statistics.
    for (std::size_t k = 0; k < kCompositionFingerprintSize; ++k) {
        double mean = 0, var = 0;
        for (const auto& f : ref.comp) mean += f[k];
        mean /= static_cast<double>(ref.comp.size());
        for (const auto& f : ref.comp) var += (f[k] - mean) * (f[k] - mean);
        double sd = std::sqrt(var / static_cast<double>(ref.comp.size()));
        if (!(sd > 1e-12)) sd = 1;
        for (auto* set : {&gen.comp, &ref.comp})
            for (auto& f : *set) f[k] = (f[k] - mean) / sd;
    }

    // Covered = some structure on the other side within the structural cutoff and some (maybe
    // another) within the composition cutoff; the scan stops once both are found.
    const std::size_t ng = gen.comp.size(), nr = ref.comp.size();
    const double sc2 = options.structure_cutoff * options.structure_cutoff;
    const double cc2 = options.composition_cutoff * options.composition_cutoff;
    auto covered = [&](const Prints& mine, std::size_t i, const Prints& other) {
        bool s_ok = false, c_ok = false;
        for (std::size_t j = 0; j < other.comp.size() && !(s_ok && c_ok); ++j) {
            if (!s_ok) s_ok = squared_distance(mine.structure[i], other.structure[j]) <= sc2;
            if (!c_ok) c_ok = squared_distance(mine.comp[i], other.comp[j]) <= cc2;
        }
        return s_ok && c_ok;
    };
    std::vector<char> gen_covered(ng, 0), ref_covered(nr, 0);
    parallel_for(ng, options.threads, [&](std::size_t i) { gen_covered[i] = covered(gen, i, ref); });
    parallel_for(nr, options.threads, [&](std::size_t j) { ref_covered[j] = covered(ref, j, gen); });
    std::size_t covered_ref = 0, covered_gen = 0;
    for (char x : ref_covered) covered_ref += x;
    for (char x : gen_covered) covered_gen += x;
    Coverage c;
    c.generated = ng;
    c.reference = nr;
    c.recall = static_cast<double>(covered_ref) / static_cast<double>(nr);
    const std::size_t denominator = num_generated ? num_generated : generated.size();
    c.precision = denominator ? static_cast<double>(covered_gen) / static_cast<double>(denominator) : 0.0;
    return c;
}

}  // namespace adit::metrics
