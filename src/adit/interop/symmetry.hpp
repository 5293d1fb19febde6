// Space-group analysis through spglib, with pymatgen's SpacegroupAnalyzer conventions: the
// cell is given as it is (no Niggli/primitive step first), distance tolerance `symprec` in Å
// (default 0.1) and angle tolerance in degrees (default 5).
#pragma once

#include <string>

#include "adit/core/structure.hpp"
#include "adit/io/cif.hpp"

namespace adit {

struct SymmetryTolerance {
    double symprec = 0.1;         // Å
    double angle_tolerance = 5.0;  // degrees
};

struct SpaceGroup {
    int number = 0;      // 1..230
    std::string symbol;  // international (Hermann-Mauguin) short symbol, e.g. "Fm-3m"
};

// The space group of a periodic structure; throws adit::Error (with spglib's reason) if spglib
// finds none, e.g. because atoms overlap.
SpaceGroup find_space_group(const Structure& crystal, const SymmetryTolerance& tolerance = {});

// The symmetrized description of a crystal as pymatgen's CifWriter(symprec=...) builds it:
// spglib's refined (conventional, idealized) cell, the operations of that cell including
// centring translations, and one representative per orbit (the one with the smallest |x|,|y|,|z|),
// ordered by electronegativity, then decreasing multiplicity, then coordinates.
SymmetrizedCrystal symmetrize(const Structure& crystal, const SymmetryTolerance& tolerance = {});

// The operators (with centring translations) of a space group given by a CIF's Hermann-Mauguin
// symbol ("P 63/m m c", "F d -3 m :2", "R -3 c H") and/or International Tables number, from
// spglib's tables. Empty when the name matches nothing, or when it matches several settings
// with different operators (origin choice 1/2, hexagonal/rhombohedral axes) and does not say
// which: guessing would build a wrong crystal. A CifSource::space_group_table.
std::vector<SymmetryOperation> space_group_operations(const std::string& symbol, int number);

}  // namespace adit
