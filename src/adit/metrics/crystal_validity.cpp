#include "adit/metrics/crystal_validity.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/metrics/tables.hpp"

namespace adit::metrics {

StructuralValidity structural_validity(const Structure& s, double cutoff) {
    StructuralValidity r;
    r.min_distance = std::numeric_limits<double>::infinity();
    if (!s.lattice) {
        r.reason = "no lattice";
        return r;
    }
    r.volume = s.lattice->volume();
    if (!std::isfinite(r.volume) || r.volume < 0.1) {
        r.reason = fmt::format("cell volume {:.3g} Å^3 < 0.1", r.volume);
        return r;
    }
    for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t j = i + 1; j < s.size(); ++j)
            r.min_distance = std::min(r.min_distance, s.lattice->minimum_image_distance(s.positions[i], s.positions[j]));
    if (!(r.min_distance >= cutoff)) {
        r.reason = fmt::format("atoms {:.3f} Å apart (< {} Å)", r.min_distance, cutoff);
        return r;
    }
    r.valid = true;
    return r;
}

namespace {

struct SmactElement {
    std::optional<double> pauling;  // nullopt = SMACT's None
    bool metal = false;
    std::vector<int> oxidation_states;
    bool known = false;
};

const std::array<SmactElement, kMaxAtomicNumber + 1>& smact_table() {
    static const auto table = [] {
        std::array<SmactElement, kMaxAtomicNumber + 1> t{};
        for (const auto& row : table_rows(data::smact_elements)) {
            if (row.size() < 4) fail("smact_elements.csv: malformed row");
            int z = atomic_number(row[0]);
            if (z <= 0 || z > kMaxAtomicNumber) continue;
            SmactElement& e = t[z];
            e.known = true;
            if (!row[1].empty()) e.pauling = parse_double(row[1]);
            e.metal = row[2] == "1";
            for (const std::string& v : split_whitespace(row[3]))
                e.oxidation_states.push_back(static_cast<int>(parse_int(v).value()));
        }
        return t;
    }();
    return table;
}

// SMACT 2.2.1's eneg_states_test with CDVAE's TypeError handling, pair by pair in element order:
// a cation-anion pair compares electronegativities (a missing one raises TypeError, which CDVAE
// counts as a pass of the whole test); any other pair with a missing electronegativity fails.
bool pauling_test(const std::vector<int>& ox, const std::vector<const SmactElement*>& el) {
    for (std::size_t i = 0; i < ox.size(); ++i)
        for (std::size_t j = i + 1; j < ox.size(); ++j) {
            const bool missing = !el[i]->pauling || !el[j]->pauling;
            const bool cation_anion = ox[i] > 0 && ox[j] < 0;
            const bool anion_cation = ox[i] < 0 && ox[j] > 0;
            if (cation_anion || anion_cation) {
                if (missing) return true;  // TypeError -> "assume it is okay"
                const double ei = *el[i]->pauling, ej = *el[j]->pauling;
                if (cation_anion && ei >= ej) return false;
                if (anion_cation && ei <= ej) return false;
            } else if (missing) {
                return false;
            }
        }
    return true;
}

}  // namespace

bool smact_validity(const std::vector<int>& atomic_numbers) {
    std::map<int, long long> counts;  // sorted by Z, as CDVAE sorts the elements
    for (int z : atomic_numbers) ++counts[z];
    if (counts.empty()) return false;
    long long g = 0;
    for (const auto& [z, c] : counts) g = std::gcd(g, c);
    std::vector<const SmactElement*> el;
    std::vector<long long> count;
    for (const auto& [z, c] : counts) {
        if (z <= 0 || z > kMaxAtomicNumber || !smact_table()[z].known) return false;
        el.push_back(&smact_table()[z]);
        count.push_back(c / g);
    }
    if (el.size() == 1) return true;
    if (std::all_of(el.begin(), el.end(), [](const SmactElement* e) { return e->metal; })) return true;
    double combos = 1;
    for (const SmactElement* e : el) combos *= static_cast<double>(e->oxidation_states.size());
    if (combos > 1e7) return false;
    if (combos == 0) return false;
    // Odometer over the Cartesian product of oxidation states (itertools.product order).
    const std::size_t n = el.size();
    std::vector<std::size_t> idx(n, 0);
    std::vector<int> ox(n);
    while (true) {
        long long charge = 0;
        for (std::size_t k = 0; k < n; ++k) {
            ox[k] = el[k]->oxidation_states[idx[k]];
            charge += ox[k] * count[k];
        }
        if (charge == 0 && pauling_test(ox, el)) return true;
        std::size_t k = n;
        while (k > 0) {
            --k;
            if (++idx[k] < el[k]->oxidation_states.size()) break;
            idx[k] = 0;
            if (k == 0) return false;
        }
    }
}

}  // namespace adit::metrics
