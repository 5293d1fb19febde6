// XYZ and extended XYZ (the dialect ASE writes): a count line, a comment line and one line per
// atom, repeated for every frame. In extended XYZ the comment line holds key=value pairs:
// Lattice="ax ay az bx by bz cx cy cz" (Å, rows are lattice vectors),
// Properties=species:S:1:pos:R:3[:name:T:n...] (the per-atom columns), pbc="T T T" and any
// per-frame properties (gdb_index=11 homo=-0.254 ...), which become Structure::properties.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

// Every frame of plain or extended XYZ `text`; `path` names the source in errors, which carry
// the line and frame. A plain comment line (no key=value pairs) becomes Structure::id.
std::vector<Structure> read_xyz(const std::string& text, const std::string& path);

enum class XyzDialect {
    automatic,  // extended for a frame with a lattice or properties, plain otherwise
    extended,   // always extended (pbc="F F F" for molecules)
};

// Writes every structure as one frame. A structure with a lattice is always written extended:
// Lattice as 9 numbers, Properties=species:S:1:pos:R:3, its properties, pbc="T T T".
void write_xyz(std::ostream& out, const std::vector<Structure>& structures,
               XyzDialect dialect = XyzDialect::automatic);

}  // namespace adit
