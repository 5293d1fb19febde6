#include "adit/interop/structure_files.hpp"

#include <algorithm>
#include <filesystem>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/cdvae_csv.hpp"
#include "adit/io/cif.hpp"
#include "adit/io/text_file.hpp"
#include "adit/io/xyz.hpp"
#include "adit/interop/openbabel_pdb.hpp"
#include "adit/interop/rdkit_molecule.hpp"
#include "adit/interop/symmetry.hpp"

namespace adit {

namespace {

std::vector<Structure> read_cif_directory(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = to_lower(entry.path().filename().string());
        if (entry.is_regular_file() && (ends_with(name, ".cif") || ends_with(name, ".cif.gz")))
            files.push_back(entry.path().string());
    }
    if (files.empty()) fail("{}: a directory without *.cif files", dir);
    std::sort(files.begin(), files.end());
    std::vector<Structure> out;
    for (const std::string& file : files) {
        std::vector<Structure> blocks = read_cif(read_text_file(file), CifSource{file, 1, {}, space_group_operations});
        for (Structure& s : blocks) out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

std::vector<Structure> read_structures(const std::string& path, const ReadOptions& options) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return read_cif_directory(path);
    const FileFormat format = options.format ? *options.format : format_from_path(path);
    if (format == FileFormat::hdf5) fail("{}: HDF5 files are prepared datasets or samples; use `adit info` on them", path);
    if (format == FileFormat::pdb) fail("{}: PDB is an output format only", path);
    const std::string text = read_text_file(path);
    switch (format) {
        case FileFormat::xyz:
        case FileFormat::extxyz: return read_xyz(text, path);
        case FileFormat::cif: return read_cif(text, CifSource{path, 1, {}, space_group_operations});
        case FileFormat::cdvae_csv: return read_cdvae_csv(text, path);
        case FileFormat::sdf: return read_sdf(text, path);
        default: break;
    }
    fail("{}: cannot read format {}", path, format_name(format));
}

void write_structures(const std::string& path, const std::vector<Structure>& structures, const WriteOptions& options) {
    const FileFormat format = options.format ? *options.format : format_from_path(path);
    if (structures.empty()) fail("{}: no structures to write", path);
    if (options.symmetrize && format != FileFormat::cif)
        fail("{}: --symmetrize applies to CIF output only", path);
    AtomicOutput out(path);
    switch (format) {
        case FileFormat::xyz: write_xyz(out.stream(), structures, XyzDialect::automatic); break;
        case FileFormat::extxyz: write_xyz(out.stream(), structures, XyzDialect::extended); break;
        case FileFormat::sdf: write_sdf(out.stream(), structures); break;
        case FileFormat::pdb: write_pdb(out.stream(), structures); break;
        case FileFormat::cdvae_csv: write_cdvae_csv(out.stream(), structures); break;
        case FileFormat::cif:
            if (options.symmetrize) {
                std::vector<SymmetrizedCrystal> crystals;
                for (const Structure& s : structures) {
                    if (!s.lattice) fail("structure '{}' has no lattice: CIF needs a periodic cell", s.id);
                    crystals.push_back(symmetrize(s, {options.symprec, options.angle_tolerance}));
                }
                write_symmetrized_cif(out.stream(), crystals);
            } else {
                write_cif(out.stream(), structures);
            }
            break;
        case FileFormat::hdf5: fail("{}: write HDF5 datasets with `adit prepare`", path);
    }
    out.commit();
}

}  // namespace adit
