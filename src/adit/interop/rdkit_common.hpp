// Internal to interop/*.cpp (includes RDKit): shared helpers of the conformer code.
#pragma once

#include <GraphMol/RWMol.h>

#include <memory>
#include <string>

namespace adit::interop::detail {

// SMILES -> sanitised RDKit molecule with explicit hydrogens (AddHs), or throws adit::Error.
// RDKit's own parse messages are silenced; the caller reports the failure.
std::unique_ptr<RDKit::RWMol> molecule_from_smiles(const std::string& smiles);

// Turns RDKit's own logging off, once per process: adit reports parse failures itself and the
// library never prints. (RDLog::LogStateSetter is not safe across threads, this is.)
void silence_rdkit_logs();

// MMFF94 optimisation of conformer `conf_id` (-1: the default one); returns RDKit's status
// (0 converged, 1 more iterations needed, -1 no MMFF parameters). Defined in
// conformer_embedding.cpp: RDKit 2022.09's MMFF.h defines non-inline functions, so exactly one
// translation unit may include it.
int mmff_optimize_molecule(RDKit::ROMol& mol, int max_iterations, int conf_id = -1);

// MDL bond order code of an RDKit bond: 1, 2, 3, 4 = aromatic, 0 anything else.
int bond_code(const RDKit::Bond& bond);

}  // namespace adit::interop::detail
