// SMILES -> the explicit-hydrogen 2D molecular graph that adit's conformer model reads:
// per-atom features, bonds with their types, and shortest-path hop counts between all atoms.
// Atom order is RDKit's: the SMILES heavy atoms in order, then the added hydrogens (AddHs).
// The same order is used by the ETKDG embedder (etkdg.hpp), so a model prediction, an ETKDG
// conformer and a reference geometry prepared from the same SMILES line up atom by atom.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::interop {

struct MolecularGraph {
    std::string smiles;                // as given
    std::vector<int> numbers;          // Z per atom, hydrogens explicit
    std::vector<int> charges;          // formal charges
    std::vector<int> aromatic;         // 0/1
    std::vector<int> hybridization;    // 0 other/unspecified, 1 sp, 2 sp2, 3 sp3, 4 sp3d, 5 sp3d2
    std::vector<int> in_ring;          // 0/1
    std::vector<int> degree;           // explicit neighbours (hydrogens included)
    std::vector<int> num_hydrogens;    // attached hydrogens
    std::vector<int> chirality;        // 0 none, 1 CW, 2 CCW (RDKit's tags)
    std::vector<Bond> bonds;           // order 1, 2, 3, 4 = aromatic
    std::vector<int> hops;             // [n*n] shortest-path bond count; 0 on the diagonal, -1 unreachable
    std::vector<int> bond_types;       // [n*n] 0 no bond, else the bond's order code (1..4)

    std::size_t size() const { return numbers.size(); }
    int hop(std::size_t i, std::size_t j) const { return hops[i * numbers.size() + j]; }
    int bond_type(std::size_t i, std::size_t j) const { return bond_types[i * numbers.size() + j]; }
};

// Parses and sanitises `smiles` with RDKit, adds hydrogens and builds the graph. Throws
// adit::Error ("cannot parse SMILES ...") when RDKit rejects it or it has no atoms.
MolecularGraph smiles_graph(const std::string& smiles);

// The graph as a Structure (numbers, bonds, charges; positions all zero; id empty), ready to
// receive predicted coordinates and be written as an SDF record.
Structure graph_structure(const MolecularGraph& graph);

// One non-blank, non-comment line of a SMILES file: "SMILES [name ...]".
struct SmilesLine {
    std::size_t line = 0;  // 1-based line number in the file
    std::string smiles;
    std::string name;      // rest of the line after the first whitespace, trimmed; may be empty
};

// Reads a SMILES file (gzip transparently); skips blank lines and lines starting with '#'.
std::vector<SmilesLine> read_smiles_lines(const std::string& path);

// Parses every line; a line RDKit cannot parse is not returned but reported through `errors`
// as an adit::ParseError message "path:line: cannot parse SMILES '...'".
struct ParsedSmilesFile {
    std::vector<SmilesLine> lines;      // parsed lines, in file order
    std::vector<MolecularGraph> graphs; // one per entry of `lines`
    std::vector<std::string> errors;    // one message per rejected line
};
ParsedSmilesFile parse_smiles_file(const std::string& path);

}  // namespace adit::interop
