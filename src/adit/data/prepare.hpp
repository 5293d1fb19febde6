// `adit prepare`: reads the files people download (extended XYZ, CDVAE CSV, SDF, CIF, SMILES
// lists) into one PreparedData in adit's HDF5 layout, with canonical SMILES, splits and the
// provenance metadata (sources with SHA-256, command line, geometry origin, skipped records).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/data/splits.hpp"
#include "adit/io/format.hpp"
#include "adit/io/hdf5_store.hpp"

namespace adit::data {

struct PrepareInput {
    std::string path;
    std::optional<Split> split;  // set for --train/--val/--test files
};

enum class OnError { fail, skip };

struct PrepareOptions {
    std::vector<PrepareInput> inputs;
    std::optional<FileFormat> format;     // override the extension (structure files only)
    std::string geometry;                 // "" (coordinates from the files) or "etkdg-mmff" (for SMILES inputs)
    std::string geometry_label;           // origin label of file coordinates; "" = recognise (see docs/data.md)
    SplitSpec split;                      // used when no input carries a split
    std::uint64_t seed = 0;
    int threads = 0;                      // 0 = all cores
    OnError on_error = OnError::fail;
    std::int64_t limit = 0;               // first N records of each input (0 = all)
    bool smiles = true;                   // canonical SMILES of molecules (Open Babel perception for XYZ)
    std::vector<std::string> exclude;     // files whose structure ids are left out (e.g. a test split)
    std::vector<std::string> proxy_elements;  // embed only SMILES containing one of these elements
    std::vector<std::string> smiles_from; // SMILES lists whose SMILES (by id) replace perception from geometry
                                          // when formula and connectivity agree with the geometry
    std::string command_line;
};

struct PrepareReport {
    std::int64_t structures = 0, molecules = 0, crystals = 0;
    std::int64_t skipped = 0;             // malformed records skipped (--on-error skip)
    std::int64_t excluded = 0;            // records dropped by --exclude
    std::int64_t duplicates = 0;          // SMILES records whose id a structure file already holds
    std::int64_t filtered = 0;            // SMILES records without any --proxy-elements element
    std::int64_t embedded = 0, embed_failed = 0, mmff_not_converged = 0;
    std::int64_t embedded_openbabel = 0;  // of embedded: started from Open Babel's builder (ETKDG failed)
    std::int64_t smiles_unknown = 0;      // molecules whose SMILES could not be determined
    std::int64_t smiles_listed = 0;       // molecules whose SMILES came from --smiles-from
    std::int64_t smiles_list_mismatch = 0;  // listed SMILES whose formula or connectivity is not the geometry's (perceived instead)
    std::vector<std::string> messages;    // one line per skipped record / failed embedding (first 50)
};

// Runs the whole preparation in memory; throws adit::Error (with file and line) on the first
// malformed record unless options.on_error is skip.
PreparedData prepare_dataset(const PrepareOptions& options, PrepareReport* report = nullptr,
                             const ProgressCallback& progress = {});

// A SMILES list: CSV with a `smiles` column (and `gdb_index`, `id` or `name` for ids), or one
// SMILES per line optionally followed by an id (.smi/.txt). Ids become "gdb_<n>" for
// gdb_index columns. Throws adit::ParseError for a row without a SMILES.
struct SmilesRecord {
    std::string smiles;
    std::string id;
    std::size_t line = 0;
};
std::vector<SmilesRecord> read_smiles_list(const std::string& path);
// True when `path` is a SMILES list rather than a structure file (by extension or CSV header).
bool is_smiles_list(const std::string& path);

// Known units of dataset properties (QM9, QM7, MP-20, perov-5, carbon-24); "" if unknown.
std::string property_unit(const std::string& name);

}  // namespace adit::data
