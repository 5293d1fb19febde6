// RDKit ETKDGv3 (+ optional MMFF94 clean-up) conformers from SMILES: the classical baseline of
// Molecule3D and `adit conformer --method etkdg`. Atoms in the order of smiles_graph()
// (SMILES heavy atoms, then hydrogens). Seeded, so a run is reproducible.
// NOTE: the data branch provides a fuller conformer_embedding.hpp; the two should be merged.
#pragma once

#include <cstdint>
#include <string>

#include "adit/core/structure.hpp"

namespace adit::interop {

struct EtkdgOptions {
    std::uint64_t seed = 42;
    bool mmff = false;          // MMFF94 optimisation after embedding
    int mmff_iterations = 2000; // maximum MMFF steps
    int max_attempts = 2;       // embedding tries (after the first: from random coordinates)
};

// One ETKDG conformer of `smiles` with explicit hydrogens: numbers, charges, bonds (order 1..3,
// 4 aromatic) and positions in Å; id empty; property "smiles" set to the input. Throws
// adit::Error if the SMILES does not parse or embedding fails (RDKit 2022.09's ETKDG fails on
// some strained cages, e.g. bicyclo[1.1.1] systems common in QM9: ~7% of QM9 test molecules).
Structure etkdg_conformer(const std::string& smiles, const EtkdgOptions& options = {});

// MMFF94 clean-up of given coordinates of the molecule `smiles` (atoms in smiles_graph order).
// Returns the optimised positions; throws adit::Error if MMFF has no parameters for it.
std::vector<Eigen::Vector3d> mmff_optimize(const std::string& smiles, const std::vector<Eigen::Vector3d>& positions,
                                           int iterations = 2000);

// Puts predicted coordinates into the handedness the SMILES asks for: a geometry predicted from
// distances alone is as likely to be the mirror image. Compares the CIP labels (R/S) of the
// SMILES's specified stereocentres with those perceived from `positions` and reflects the
// molecule (z -> -z) when more disagree than agree. Returns true if it reflected.
bool match_stereo_handedness(const std::string& smiles, std::vector<Eigen::Vector3d>& positions);

}  // namespace adit::interop
