// CIF (Crystallographic Information File, version 1.1 syntax) for crystal structures.
//
// Reading accepts what pymatgen writes (the CIFs inside the CDVAE CSVs: P1, or symmetrized with
// `_symmetry_equiv_pos_as_xyz` operators) and VESTA/ICSD-style files
// (`_space_group_symop_operation_xyz`, numbers with uncertainties such as `5.431(2)`), with
// several data blocks per file. The asymmetric unit is expanded by the listed operators and
// sites that coincide under periodic images are merged, as pymatgen's CifParser does
// (fractional tolerance 1e-4, coordinates within 1e-4 relative of 1/3 or 2/3 snapped to them).
//
// Writing makes P1 CIFs from structures, or symmetrized CIFs from a SymmetrizedCrystal (the
// space group, its operators and the asymmetric unit; interop/symmetry.hpp builds one with spglib).
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

struct SymmetryOperation;

// The operators of a space group named only by its Hermann-Mauguin symbol (as written in the
// CIF, e.g. "F d -3 m :2") and/or number (0 if absent), for a block without an operator loop;
// empty if it cannot tell. interop's read_structures() passes one built on spglib's tables.
using SpaceGroupTable = std::function<std::vector<SymmetryOperation>(const std::string& symbol, int number)>;

// Where CIF text comes from, for error messages: a CIF embedded in a CSV field starts at
// `first_line` of `path` and belongs to `record` (e.g. "record 3 (mp-1234)").
struct CifSource {
    std::string path;
    std::size_t first_line = 1;
    std::string record;
    SpaceGroupTable space_group_table;  // optional
};

// Every data block of `text` that has a cell and atom sites, as a periodic Structure whose id
// is the block name. Throws adit::ParseError naming the file, line (and record) on bad input.
std::vector<Structure> read_cif(const std::string& text, const CifSource& source);
inline std::vector<Structure> read_cif(const std::string& text, const std::string& path) {
    return read_cif(text, CifSource{path, 1, {}, {}});
}

// A space-group operation on fractional coordinates: x' = rotation * x + translation.
struct SymmetryOperation {
    Eigen::Matrix3i rotation = Eigen::Matrix3i::Identity();
    Eigen::Vector3d translation = Eigen::Vector3d::Zero();
};

// Parses "x, y+1/2, -z" style operators (also "1/2+X,-Y,Z", "x-y,x,z"); throws adit::Error.
SymmetryOperation parse_symmetry_operation(const std::string& xyz);
// The inverse: "x, y+1/2, -z" with translations as fractions of 12 where they are ones.
std::string format_symmetry_operation(const SymmetryOperation& op);

// The plain description of a symmetrized crystal that write_symmetrized_cif writes.
struct SymmetrizedCrystal {
    struct Site {
        int number = 0;              // atomic number
        Eigen::Vector3d fractional;  // in the (conventional) cell below
        int multiplicity = 1;        // number of sites in the cell generated from this one
    };
    std::string id;
    Lattice lattice;  // the conventional cell
    std::string space_group_symbol;  // Hermann-Mauguin, as spglib gives it ("Fm-3m")
    int space_group_number = 1;
    std::vector<SymmetryOperation> operations;  // including centring translations
    std::vector<Site> sites;                    // the asymmetric unit
    Properties properties;                      // written as _adit_<name> items
};

// P1 CIF, one data block per structure; block names are the ids made CIF-safe and unique.
void write_cif(std::ostream& out, const std::vector<Structure>& structures);
void write_symmetrized_cif(std::ostream& out, const std::vector<SymmetrizedCrystal>& crystals);

// CIF-safe data block names for `ids` (no whitespace, unique ignoring case, never empty).
std::vector<std::string> unique_block_names(const std::vector<std::string>& ids);

}  // namespace adit
