// Reading and writing structure files of any supported format: the one entry point the CLI and
// the other layers use. The format comes from the extension (".gz" is read and written
// compressed), unless given. Outputs are written atomically (see io/text_file.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"
#include "adit/io/format.hpp"

namespace adit {

struct ReadOptions {
    std::optional<FileFormat> format;  // from the extension when unset
};

struct WriteOptions {
    std::optional<FileFormat> format;  // from the extension when unset
    bool symmetrize = false;           // CIF: space group, operators and asymmetric unit (spglib)
    double symprec = 0.1;              // Å, for symmetrize
    double angle_tolerance = 5.0;      // degrees, for symmetrize
};

// All structures in `path`: XYZ/extended XYZ frames, SDF records, CIF data blocks or CDVAE CSV
// rows. A directory reads every *.cif (and *.cif.gz) in it, sorted by name. Throws
// adit::ParseError naming the file (and line/record) for malformed input.
std::vector<Structure> read_structures(const std::string& path, const ReadOptions& options = {});

// Writes `structures` to `path` (xyz, extxyz, sdf, cif, csv, pdb). Nothing appears at `path`
// unless every structure was written. Throws adit::Error for a structure the format cannot
// hold (a crystal to SDF, a molecule to CIF).
void write_structures(const std::string& path, const std::vector<Structure>& structures,
                      const WriteOptions& options = {});

}  // namespace adit
