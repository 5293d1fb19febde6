// An atomic structure: a molecule (no lattice) or a periodic crystal (with a lattice).
// Every reader in io/ produces these and every writer consumes them; every other layer
// (data, metrics, models) converts to and from them at its edge.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "adit/core/lattice.hpp"

namespace adit {

struct Bond {
    int i = 0, j = 0;  // 0-based atom indices
    int order = 1;     // 1 single, 2 double, 3 triple, 4 aromatic (as in MDL/SDF files)
};

using PropertyValue = std::variant<double, std::string>;

// Named per-structure properties in insertion order (written back in the same order).
class Properties {
public:
    void set(const std::string& key, PropertyValue value);
    const PropertyValue* find(const std::string& key) const;
    std::optional<double> number(const std::string& key) const;  // nullopt if absent or text
    bool erase(const std::string& key);
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

private:
    std::vector<std::pair<std::string, PropertyValue>> items_;
};

struct Structure {
    std::string id;                          // title, data block name or material id
    std::vector<int> numbers;                // atomic numbers Z
    std::vector<Eigen::Vector3d> positions;  // Cartesian, Å
    std::optional<Lattice> lattice;          // set for periodic structures
    std::vector<Bond> bonds;                 // empty when not known
    std::vector<int> charges;                // formal charges; empty means all zero
    Properties properties;

    std::size_t size() const { return numbers.size(); }
    bool is_periodic() const { return lattice.has_value(); }
    int charge(std::size_t atom) const { return charges.empty() ? 0 : charges[atom]; }

    // Fractional coordinates of every atom (requires a lattice).
    std::vector<Eigen::Vector3d> fractional_positions() const;
    void set_fractional_positions(const std::vector<Eigen::Vector3d>& frac);

    // Throws adit::Error if sizes disagree, a coordinate is not finite, an atomic number is
    // unknown, a bond points outside the structure, or the lattice is singular.
    void validate() const;
};

// Hill-order formula ("C2H6O"; no carbon: alphabetical), counts omitted when 1.
std::string chemical_formula(const Structure& s);
// Total mass in atomic mass units.
double total_mass(const Structure& s);
// Density in g/cm^3 (requires a lattice).
double density(const Structure& s);

}  // namespace adit
