// PDB output through Open Babel: HETATM records, CONECT records for known bonds, CRYST1 for
// a periodic structure; several structures become consecutive entries of one file.
#pragma once

#include <ostream>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

void write_pdb(std::ostream& out, const std::vector<Structure>& structures);

}  // namespace adit
