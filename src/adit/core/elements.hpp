// The element table, compiled in from elements.csv (its source is named in that file).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace adit {

struct Element {
    int z = 0;
    std::string symbol;
    std::string name;
    double mass = 0;                       // standard atomic weight, u
    double covalent_radius = 0;            // Å (Cordero et al. 2008); 0 if unknown
    double electronegativity = 0;          // Pauling; 0 if not defined (noble gases...)
    std::vector<int> oxidation_states;     // common oxidation states
};

constexpr int kMaxAtomicNumber = 103;

bool is_known_element(int z);
const Element& element(int z);  // throws adit::Error for unknown z
// Case-sensitive symbol ("Fe"); also accepts all-caps or all-lower forms ("FE", "fe") as PDB
// and some XYZ writers use. Returns 0 if the symbol is not an element.
int atomic_number(std::string_view symbol);

}  // namespace adit
