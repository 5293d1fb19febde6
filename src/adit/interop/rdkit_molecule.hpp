// MDL SDF / MOL files through RDKit: atoms, 3D (or 2D) coordinates, bonds, formal charges and
// SD data items ("> <name>"), several records per file. RDKit types stay inside
// rdkit_molecule.cpp; callers see only adit::Structure.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

// Every record of SDF/MOL `text`. Molecules are read as written: not sanitized, hydrogens kept,
// so coordinates and atom order are the file's. Each record's title becomes Structure::id and
// its SD data items become properties (numbers where the whole value parses as one). Throws
// adit::ParseError naming the file, the record and its first line.
std::vector<Structure> read_sdf(const std::string& text, const std::string& path);

// One record per structure (V2000, or V3000 beyond 999 atoms), properties as SD data items.
// A structure with a lattice is refused: SDF has no cell.
void write_sdf(std::ostream& out, const std::vector<Structure>& structures);

}  // namespace adit
