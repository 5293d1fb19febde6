// Validity of crystals as CDVAE (Xie et al., ICLR 2022) and its successors (DiffCSP, ADiT)
// compute it: structural validity (all pairwise minimum-image distances >= 0.5 Å and cell
// volume >= 0.1 Å^3) and compositional validity as SMACT decides it (cdvae/common/data_utils.py
// and all-atom-diffusion-transformer src/eval/crystal.py, smact_validity()).
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

struct StructuralValidity {
    bool valid = false;
    double min_distance = 0;  // Å, shortest minimum-image distance between two atoms (inf if < 2)
    double volume = 0;        // Å^3
    std::string reason;       // "" when valid
};

// Distances >= `cutoff` (Å) and volume >= 0.1 Å^3 are valid, as CDVAE's structure_validity
// (it rejects dist < 0.5 or volume < 0.1). A structure without a lattice is invalid.
StructuralValidity structural_validity(const Structure& s, double cutoff = 0.5);

// SMACT compositional validity of a composition given as atomic numbers (any order, repeats
// counted): counts reduced by their gcd; a single element or all SMACT metals is valid;
// otherwise some choice of SMACT 2.2.1 default oxidation states must be charge-neutral and pass
// SMACT's Pauling electronegativity test (cations less electronegative than anions; a missing
// electronegativity in a cation-anion pair passes, as CDVAE catches SMACT's TypeError, and in
// any other pair fails, as SMACT 2.2.1's eneg_states_test returns False). As ADiT's copy does, more than
// 1e7 oxidation-state combinations count invalid. Table: src/adit/metrics/data/smact_elements.csv.
bool smact_validity(const std::vector<int>& atomic_numbers);

}  // namespace adit::metrics
