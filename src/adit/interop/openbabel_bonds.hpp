// Bond perception from 3D coordinates with Open Babel, exactly as the molecule-evaluation
// protocol of ADiT/EDM-era papers does it: the atoms go into an OBMol, ConnectTheDots() adds
// bonds from covalent radii, PerceiveBondOrders() assigns orders (what reading an XYZ file with
// Open Babel does), and the result can be written as a PDB block with CONECT records for RDKit.
// Open Babel keeps global state in its typers, so every call here is serialised by one mutex;
// callers may use these functions from many threads.
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::interop {

// Bonds Open Babel perceives for the atoms of `s` (its own bonds are ignored). Orders are 1, 2
// or 3 (Kekulé form, as Open Babel stores them). Periodic structures are treated as molecules.
std::vector<Bond> perceive_bonds_openbabel(const Structure& s);

// The PDB block (HETATM + CONECT records, bond orders as repeated CONECT entries) that Open
// Babel writes for `s` after perceiving bonds, as pymatgen's Molecule.to(fmt="pdb") does
// (BabelMolAdaptor: ConnectTheDots, PerceiveBondOrders, Center). When `use_given_bonds` is true
// the structure's own bonds are handed over instead of perceiving them.
std::string openbabel_pdb_block(const Structure& s, bool use_given_bonds = false);

// Coordinates from Open Babel's rule- and fragment-based 3D builder (OBBuilder) for a SMILES,
// hydrogens added by Open Babel: atoms in SMILES order, then the hydrogens. `parent` is the
// index of each hydrogen's heavy neighbour (-1 for other atoms). The fallback start of
// embed_smiles() for the strained cages RDKit 2022.09's ETKDG cannot embed. Not bit-reproducible:
// the C library generator is seeded with `seed`, but the first build of a ring system in a process
// differs from later ones (Open Babel's internal state). Throws adit::Error.
struct OpenBabelBuild {
    std::vector<int> numbers;
    std::vector<int> parent;
    std::vector<Eigen::Vector3d> positions;
};
OpenBabelBuild openbabel_build_3d(const std::string& smiles, unsigned seed);

}  // namespace adit::interop

