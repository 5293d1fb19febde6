// RDKit ETKDGv3 (+ optional MMFF94 clean-up) conformers from SMILES: the classical baseline of
// Molecule3D and `adit conformer --method etkdg`. Atoms in the order of smiles_graph()
// (SMILES heavy atoms, then hydrogens). Seeded, so a run is reproducible.
// The embedding itself is conformer_embedding.hpp's embed_smiles() (one implementation: ETKDGv3,
// then random coordinates, then Open Babel's builder for the cages ETKDG cannot embed).
#pragma once

#include <cstdint>
#include <string>

#include "adit/core/structure.hpp"

namespace adit::interop {

struct EtkdgOptions {
    std::uint64_t seed = 42;
    bool mmff = false;          // MMFF94 optimisation after embedding
    int mmff_iterations = 2000; // maximum MMFF steps
    int etkdg_iterations = 10;  // ETKDG tries per start (0: RDKit's default, 10 x atoms)
    bool random_coords_retry = true;  // then ETKDG from random coordinates
    bool openbabel_fallback = true;   // then Open Babel's 3D builder (property "geometry" says which)
};

// One ETKDG conformer of `smiles` with explicit hydrogens: numbers, charges (empty when all are
// zero), bonds (Kekulé orders 1..3) and positions in Å; id empty; properties "smiles" (the input)
// and "geometry" (etkdg, etkdg-mmff, openbabel or openbabel-mmff: RDKit 2022.09's ETKDG rejects
// strained cages such as bicyclo[1.1.1] systems, ~7% of QM9, which then start from Open Babel's
// builder). Throws adit::Error if the SMILES does not parse or every start fails.
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
