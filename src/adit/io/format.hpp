// File formats adit reads and writes, named as `--format`/`--out-format` take them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace adit {

enum class FileFormat {
    xyz,        // plain XYZ, multi-frame
    extxyz,     // extended XYZ (ASE): Lattice= and Properties= on the comment line
    sdf,        // MDL SDF/MOL, multi-record (through RDKit)
    cif,        // CIF, multi-block
    cdvae_csv,  // CDVAE CSV: material_id, cif, property columns
    pdb,        // PDB (write only, through Open Babel)
    hdf5,       // adit's HDF5 layout (prepared datasets and sample files)
};

// "xyz", "extxyz", "sdf" or "mol", "cif", "csv", "pdb", "h5" or "hdf5"; throws adit::Error.
FileFormat format_from_name(std::string_view name);
// From the extension (a trailing ".gz" is ignored); throws adit::Error naming the path.
FileFormat format_from_path(const std::string& path);
std::string_view format_name(FileFormat f);

}  // namespace adit
