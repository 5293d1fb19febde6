// Molecule validity as the ADiT / EDM-era protocol decides it: Open Babel perceives bonds and
// orders from the 3D coordinates, writes a PDB block with CONECT records, RDKit reads it with
// hydrogens kept and sanitizes. Valid = RDKit returns a molecule. The canonical SMILES
// (isomeric) of the largest fragment is what uniqueness and novelty compare.
// Reference: facebookresearch/all-atom-diffusion-transformer src/eval/molecule_generation.py
// (pymatgen Molecule.to("pdb") -> Chem.MolFromPDBFile(removeHs=False)).
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::interop {

struct MoleculeValidityOptions {
    bool use_given_bonds = false;  // hand the structure's own bonds over (SDF --use-bonds); none -> perceive
    bool remove_hydrogens = false; // RDKit removeHs when reading the PDB block (ADiT: false)
};

struct MoleculeVerdict {
    bool valid = false;
    int num_fragments = 0;      // RDKit fragments of a valid molecule; else from Open Babel's bonds
    std::string smiles;         // canonical isomeric SMILES of the largest fragment ("" if invalid)
    std::string reason;         // why it is invalid ("" if valid)
    std::vector<Bond> bonds;    // the bonds RDKit ended up with (0-based, orders 1/2/3, 4 aromatic)
    bool connected() const { return num_fragments == 1; }
};

// Never throws for a bad molecule: any Open Babel or RDKit failure becomes valid = false with
// the reason. Thread-safe (Open Babel calls are serialised internally).
MoleculeVerdict check_molecule(const Structure& s, const MoleculeValidityOptions& options = {});

// Canonical isomeric SMILES of a SMILES string as RDKit writes it ("" if RDKit cannot parse it).
std::string canonical_smiles(const std::string& smiles);

// The key novelty compares: canonical SMILES without hydrogens and without stereo ("" if RDKit
// cannot parse it). Generated SMILES carry explicit [H] atoms (they come from all-atom 3D
// structures) while reference lists such as QM9's are hydrogen-suppressed; both map to the same
// key. Uniqueness uses the full SMILES, as the reference does.
std::string molecule_novelty_key(const std::string& smiles);

}  // namespace adit::interop
