// Atom and molecule stability as EDM defines them (Hoogeboom et al., "Equivariant Diffusion for
// Molecule Generation in 3D", ICML 2022; ehoogeboom/e3_diffusion_for_molecules, qm9/analyze.py
// check_stability with qm9/bond_analyze.py get_bond_order): every atom pair gets a bond order
// from its distance and EDM's bond-length tables with margins 10/5/3 pm; an atom is stable when
// the sum of its bond orders is one of the element's allowed valences; a molecule is stable when
// all its atoms are. Tables: src/adit/metrics/data/edm_bonds.csv and edm_valences.csv.
#pragma once

#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

// EDM's bond order (0 none, 1, 2, 3) for elements za, zb at `distance_angstrom`. Pairs missing
// from the table give 0 (EDM's check_exists behaviour; its QM9 path would raise instead).
int edm_bond_order(int za, int zb, double distance_angstrom);

struct EdmStability {
    std::vector<int> valence;        // sum of EDM bond orders per atom
    std::vector<bool> atom_stable;   // valence allowed for the element
    int num_stable_atoms = 0;
    bool molecule_stable = false;    // all atoms stable (false for an empty structure)
    double atom_stable_fraction() const {
        return valence.empty() ? 0.0 : static_cast<double>(num_stable_atoms) / valence.size();
    }
};

// Cartesian distances only (a lattice, if any, is ignored, as EDM works on molecules).
EdmStability edm_stability(const Structure& s);

}  // namespace adit::metrics
