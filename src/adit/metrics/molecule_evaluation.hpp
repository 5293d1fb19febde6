// `adit eval molecules`: per-molecule verdicts and the summary metrics of the QM9 protocol of
// EDM / ADiT (validity, connectivity, uniqueness, novelty, atom/molecule stability) plus
// PoseBusters-style geometry checks. Multi-threaded; a molecule that breaks a library call is
// invalid with a reason, never an abort.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"

namespace adit::metrics {

struct MoleculeEvalOptions {
    int threads = 0;                               // 0 = all cores
    bool use_given_bonds = false;                  // SDF bonds instead of Open Babel perception
    // Novelty keys (interop::molecule_novelty_key) of the reference set; null = no novelty.
    const std::unordered_set<std::string>* reference_smiles = nullptr;
};

struct MoleculeRecord {
    bool valid = false;
    bool connected = false;          // one fragment
    std::string smiles;              // largest fragment, canonical isomeric ("" if invalid)
    int num_atoms = 0;
    int num_stable_atoms = 0;        // EDM
    bool mol_stable = false;         // EDM
    bool bond_lengths_ok = false;    // PoseBusters-style, valid molecules only
    bool bond_angles_ok = false;
    bool no_clash = false;
    std::string reason;              // why invalid ("" if valid)
    double atom_stable_fraction() const { return num_atoms ? double(num_stable_atoms) / num_atoms : 0.0; }
};

struct MoleculeSummary {
    std::size_t count = 0, valid = 0, connected = 0, valid_connected = 0, unique = 0, novel = 0;
    std::size_t atoms = 0, stable_atoms = 0, stable_molecules = 0;
    std::size_t bond_lengths_ok = 0, bond_angles_ok = 0, no_clash = 0;  // among valid
    bool novelty_computed = false;
    double fraction(std::size_t k, std::size_t of) const { return of ? double(k) / of : 0.0; }
};

struct MoleculeEvaluation {
    std::vector<MoleculeRecord> records;  // input order
    MoleculeSummary summary;
};

MoleculeEvaluation evaluate_molecules(const std::vector<Structure>& molecules, const MoleculeEvalOptions& options = {},
                                      const ProgressCallback& progress = {});

}  // namespace adit::metrics
