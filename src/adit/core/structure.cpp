#include "adit/core/structure.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/units.hpp"

namespace adit {

void Properties::set(const std::string& key, PropertyValue value) {
    for (auto& [k, v] : items_)
        if (k == key) {
            v = std::move(value);
            return;
        }
    items_.emplace_back(key, std::move(value));
}

const PropertyValue* Properties::find(const std::string& key) const {
    for (const auto& [k, v] : items_)
        if (k == key) return &v;
    return nullptr;
}

std::optional<double> Properties::number(const std::string& key) const {
    const PropertyValue* v = find(key);
    if (v == nullptr || !std::holds_alternative<double>(*v)) return std::nullopt;
    return std::get<double>(*v);
}

bool Properties::erase(const std::string& key) {
    auto it = std::find_if(items_.begin(), items_.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == items_.end()) return false;
    items_.erase(it);
    return true;
}

std::vector<Eigen::Vector3d> Structure::fractional_positions() const {
    if (!lattice) fail("structure '{}' has no lattice, so no fractional coordinates", id);
    std::vector<Eigen::Vector3d> frac;
    frac.reserve(positions.size());
    for (const auto& r : positions) frac.push_back(lattice->to_fractional(r));
    return frac;
}

void Structure::set_fractional_positions(const std::vector<Eigen::Vector3d>& frac) {
    if (!lattice) fail("structure '{}' has no lattice, so no fractional coordinates", id);
    positions.clear();
    for (const auto& f : frac) positions.push_back(lattice->to_cartesian(f));
}

void Structure::validate() const {
    if (positions.size() != numbers.size())
        fail("structure '{}': {} atomic numbers but {} positions", id, numbers.size(), positions.size());
    if (!charges.empty() && charges.size() != numbers.size())
        fail("structure '{}': {} charges for {} atoms", id, charges.size(), numbers.size());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (!is_known_element(numbers[i])) fail("structure '{}': atom {} has unknown atomic number {}", id, i + 1, numbers[i]);
        if (!positions[i].allFinite()) fail("structure '{}': atom {} has a non-finite coordinate", id, i + 1);
    }
    for (const Bond& b : bonds)
        if (b.i < 0 || b.j < 0 || b.i >= static_cast<int>(size()) || b.j >= static_cast<int>(size()) || b.i == b.j)
            fail("structure '{}': bond {}-{} is out of range", id, b.i + 1, b.j + 1);
    if (lattice && lattice->is_singular())
        fail("structure '{}': the lattice is singular (volume {:.3g} Å^3)", id, lattice->volume());
}

std::string chemical_formula(const Structure& s) {
    std::map<std::string, int> counts;
    for (int z : s.numbers) ++counts[element(z).symbol];
    std::vector<std::pair<std::string, int>> order;
    const bool has_carbon = counts.count("C") > 0;
    if (has_carbon) {  // Hill system: C, then H, then the rest alphabetically
        order.emplace_back("C", counts["C"]);
        counts.erase("C");
        if (counts.count("H")) {
            order.emplace_back("H", counts["H"]);
            counts.erase("H");
        }
    }
    for (const auto& kv : counts) order.push_back(kv);
    std::string formula;
    for (const auto& [symbol, n] : order) formula += n == 1 ? symbol : symbol + std::to_string(n);
    return formula;
}

double total_mass(const Structure& s) {
    double m = 0;
    for (int z : s.numbers) m += element(z).mass;
    return m;
}

double density(const Structure& s) {
    if (!s.lattice) fail("structure '{}' has no lattice, so no density", s.id);
    return total_mass(s) * kGramPerAmu / (s.lattice->volume() * kCubicCmPerCubicAngstrom);
}

}  // namespace adit
