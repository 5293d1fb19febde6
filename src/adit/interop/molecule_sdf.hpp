// Molecule SDF reading and writing through RDKit, keeping every atom (hydrogens included) in
// file order and every data item. Used by `adit conformer` and `adit eval geometry`.
// Thin conveniences over rdkit_molecule.hpp's read_sdf / write_sdf (path in, one record out).
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::interop {

// All records of an SDF (gzip transparently), atoms in file order, no sanitisation, hydrogens
// kept; title -> id; data items -> properties (text). Throws adit::ParseError naming the record
// for a block RDKit cannot read.
std::vector<Structure> read_molecule_sdf(const std::string& path);

// One V2000 (V3000 above 999 atoms) record per structure: title = id, bonds and formal charges
// from the structure, properties as data items in their order.
std::string molecule_sdf_record(const Structure& s);

}  // namespace adit::interop
