#include "adit/io/format.hpp"

#include <filesystem>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/text_file.hpp"

namespace adit {

FileFormat format_from_name(std::string_view name) {
    const std::string n = to_lower(name);
    if (n == "xyz") return FileFormat::xyz;
    if (n == "extxyz") return FileFormat::extxyz;
    if (n == "sdf" || n == "mol" || n == "sd") return FileFormat::sdf;
    if (n == "cif") return FileFormat::cif;
    if (n == "csv") return FileFormat::cdvae_csv;
    if (n == "pdb") return FileFormat::pdb;
    if (n == "h5" || n == "hdf5") return FileFormat::hdf5;
    fail("unknown format '{}' (known: xyz, extxyz, sdf, mol, cif, csv, pdb, h5)", name);
}

FileFormat format_from_path(const std::string& path) {
    std::string inner = path;
    strip_gz_suffix(path, &inner);
    const std::string ext = std::filesystem::path(inner).extension().string();
    if (ext.empty()) fail("{}: cannot tell the format from the name; give --format", path);
    try {
        return format_from_name(ext.substr(1));
    } catch (const Error&) {
        fail("{}: unknown extension '{}'; give --format", path, ext);
    }
}

std::string_view format_name(FileFormat f) {
    switch (f) {
        case FileFormat::xyz: return "xyz";
        case FileFormat::extxyz: return "extxyz";
        case FileFormat::sdf: return "sdf";
        case FileFormat::cif: return "cif";
        case FileFormat::cdvae_csv: return "csv";
        case FileFormat::pdb: return "pdb";
        case FileFormat::hdf5: return "h5";
    }
    return "?";
}

}  // namespace adit
