// SMILES for molecules, as the dataset layout stores them, and Bemis-Murcko scaffolds for
// scaffold splits. SMILES from SMILES is RDKit's canonical form; SMILES from a 3D structure
// without bonds (XYZ input) goes through Open Babel's bond perception (connectivity from
// covalent radii, then bond orders) and is canonicalised by RDKit.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"

namespace adit {

// RDKit canonical SMILES (isomeric, no explicit H); "" if it does not parse.
std::string canonical_smiles(const std::string& smiles);

// Atomic numbers of the heavy atoms in a SMILES (sorted, unique); empty if it does not parse.
std::vector<int> smiles_elements(const std::string& smiles);

// Element counts of the molecule a SMILES describes, hydrogens (implicit and explicit) included,
// as (atomic number, count) sorted by atomic number; empty if it does not parse.
std::vector<std::pair<int, int>> smiles_formula(const std::string& smiles);

// True when the molecule a SMILES describes, hydrogens included, has the connectivity of the
// geometry (atom pairs closer than 1.25 x the sum of covalent radii): same elements, same
// graph; bond orders, charges and stereo are not compared. QM9 has DFT geometries whose atoms
// rearranged away from their GDB SMILES during optimisation: those fail this check.
bool smiles_matches_geometry(const std::string& smiles, const Structure& molecule);

// Bemis-Murcko scaffold as DeepChem computes it for scaffold splits: RDKit's MurckoDecompose,
// written as non-isomeric canonical SMILES. "" for acyclic molecules or unparseable input.
std::string murcko_scaffold(const std::string& smiles);

// Canonical SMILES of a molecule from its geometry (bonds, when the structure has them, are
// used as given; otherwise perceived by Open Babel). "" when not determinable: periodic input,
// perception that fails RDKit sanitisation or leaves radicals, or a SMILES whose atom count with
// hydrogens differs from the structure's.
std::string smiles_from_geometry(const Structure& molecule);

// The same for many molecules on `threads` threads (0 = all cores); Open Babel's perception
// runs one molecule at a time (it is not thread-safe), RDKit's canonicalisation in parallel.
std::vector<std::string> smiles_from_geometry_batch(const std::vector<Structure>& molecules, int threads = 0,
                                                    const ProgressCallback& progress = {});

}  // namespace adit
