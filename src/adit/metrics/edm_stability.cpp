#include "adit/metrics/edm_stability.hpp"

#include <array>
#include <cmath>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/metrics/tables.hpp"

namespace adit::metrics {
namespace {

struct BondLengths {
    double single = 0, dbl = 0, triple = 0;  // pm; 0 = no such bond in EDM's table
};

struct EdmTables {
    std::vector<std::array<BondLengths, kMaxAtomicNumber + 1>> pairs;  // pairs[za][zb]
    std::array<std::vector<int>, kMaxAtomicNumber + 1> allowed;

    EdmTables() : pairs(kMaxAtomicNumber + 1) {
        auto number = [](const std::string& f) { return f.empty() ? 0.0 : parse_double(f).value_or(0.0); };
        for (const auto& row : table_rows(data::edm_bonds)) {
            if (row.size() < 5) fail("edm_bonds.csv: malformed row");
            int a = atomic_number(row[0]), b = atomic_number(row[1]);
            BondLengths l{number(row[2]), number(row[3]), number(row[4])};
            pairs[a][b] = l;
            pairs[b][a] = l;
        }
        for (const auto& row : table_rows(data::edm_valences)) {
            if (row.size() < 2) fail("edm_valences.csv: malformed row");
            for (const std::string& v : split_whitespace(row[1]))
                allowed[atomic_number(row[0])].push_back(static_cast<int>(parse_int(v).value()));
        }
    }
};

const EdmTables& tables() {
    static const EdmTables t;
    return t;
}

constexpr double kMargin1 = 10, kMargin2 = 5, kMargin3 = 3;  // pm, EDM's margins for QM9

}  // namespace

int edm_bond_order(int za, int zb, double distance_angstrom) {
    if (za < 0 || zb < 0 || za > kMaxAtomicNumber || zb > kMaxAtomicNumber) return 0;
    const BondLengths& l = tables().pairs[za][zb];
    if (l.single <= 0) return 0;
    double d = 100.0 * distance_angstrom;  // pm
    if (!(d < l.single + kMargin1)) return 0;
    if (l.dbl > 0 && d < l.dbl + kMargin2) {
        if (l.triple > 0 && d < l.triple + kMargin3) return 3;
        return 2;
    }
    return 1;
}

EdmStability edm_stability(const Structure& s) {
    EdmStability r;
    const std::size_t n = s.size();
    r.valence.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            int order = edm_bond_order(s.numbers[i], s.numbers[j], (s.positions[i] - s.positions[j]).norm());
            r.valence[i] += order;
            r.valence[j] += order;
        }
    r.atom_stable.assign(n, false);
    for (std::size_t i = 0; i < n; ++i) {
        int z = s.numbers[i];
        if (z < 0 || z > kMaxAtomicNumber) continue;
        for (int v : tables().allowed[z])
            if (v == r.valence[i]) r.atom_stable[i] = true;
        r.num_stable_atoms += r.atom_stable[i];
    }
    r.molecule_stable = n > 0 && r.num_stable_atoms == static_cast<int>(n);
    return r;
}

}  // namespace adit::metrics
