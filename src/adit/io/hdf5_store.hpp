// adit's prepared-dataset layout: one HDF5 file per dataset, written by `adit prepare` and read
// by the training loader, `adit info` and h5py. Everything is flat so a whole dataset loads in a
// few large reads:
//
//   /atoms/Z               uint8   [N]      atomic numbers of all atoms of all structures
//   /atoms/pos             float32 [N, 3]   Cartesian positions, Å
//   /structures/offset     int64   [n + 1]  atoms of structure i are offset[i] .. offset[i+1]-1
//   /structures/id         string  [n]
//   /structures/system     uint8   [n]      0 molecule, 1 crystal
//   /structures/lattice    float32 [n,3,3]  rows are lattice vectors, Å; zeros for molecules
//   /structures/smiles     string  [n]      canonical RDKit SMILES of molecules; "" if unknown
//   /structures/geometry   string  [n]      origin of the coordinates: "dft", "etkdg-mmff", ...
//   /properties/<name>     float64 [n]      NaN where a structure lacks it; attribute "unit"
//   /splits/{train,val,test} int64 [*]      structure indices
//
// Root attributes: format ("adit-prepared"), format_version, geometry (the origin(s), e.g.
// "dft" or "dft+etkdg-mmff"), command_line, created_by, source_files / source_sha256 /
// source_records / source_skipped (one entry per input file), num_structures, num_atoms,
// num_molecules, num_crystals, num_train / num_val / num_test, skipped_records; and any
// further string attributes of PreparedMetadata::attributes (samples: sample_model, ...).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

inline constexpr int kPreparedFormatVersion = 1;
inline constexpr const char* kPreparedFormatName = "adit-prepared";

enum class Split { train = 0, val = 1, test = 2 };
const char* split_name(Split s);
Split split_from_name(const std::string& name);  // "train" | "val" | "test"; throws adit::Error

struct PreparedSource {
    std::string path;         // as given on the command line
    std::string sha256;       // hex digest of the file's bytes (compressed bytes for .gz)
    std::int64_t records = 0; // structures kept from it
    std::int64_t skipped = 0; // malformed records skipped (--on-error skip)
};

struct PreparedMetadata {
    int format_version = kPreparedFormatVersion;
    std::string geometry;      // "dft", "etkdg-mmff", "dft+etkdg-mmff", "experimental", ...
    std::string command_line;
    std::string created_by;    // "adit 0.1.0"
    std::vector<PreparedSource> sources;
    std::int64_t skipped_records = 0;
    // Further root string attributes, kept in order: e.g. `adit sample`'s sample_model,
    // sample_system, sample_steps, sample_cfg, sample_seed. Read back as every root string
    // attribute this layout does not define.
    std::vector<std::pair<std::string, std::string>> attributes;
};

struct PreparedProperty {
    std::string name;
    std::string unit;            // "" when unknown
    std::vector<double> values;  // one per structure, NaN where missing
};

// A prepared dataset held in memory in the on-disk layout (flat arrays).
struct PreparedData {
    std::vector<std::uint8_t> z;          // [N]
    std::vector<float> pos;               // [N * 3], Å
    std::vector<std::int64_t> offset{0};  // [n + 1]
    std::vector<std::string> id;          // [n]
    std::vector<std::uint8_t> system;     // [n], 0 molecule, 1 crystal
    std::vector<float> lattice;           // [n * 9], row-major rows = vectors, Å
    std::vector<std::string> smiles;      // [n]
    std::vector<std::string> geometry;    // [n]
    std::vector<PreparedProperty> properties;
    std::array<std::vector<std::int64_t>, 3> splits;  // indexed by Split
    PreparedMetadata metadata;

    std::int64_t size() const { return static_cast<std::int64_t>(id.size()); }
    std::int64_t num_atoms() const { return static_cast<std::int64_t>(z.size()); }
    std::int64_t num_atoms(std::int64_t i) const { return offset[i + 1] - offset[i]; }
    bool is_crystal(std::int64_t i) const { return system[i] == 1; }
    const std::vector<std::int64_t>& split(Split s) const { return splits[static_cast<int>(s)]; }
    std::vector<std::int64_t>& split(Split s) { return splits[static_cast<int>(s)]; }

    // Appends a structure (numeric properties go to /properties, creating columns as needed;
    // text properties are not stored; '/' in a name becomes '_'). Returns its index.
    std::int64_t append(const Structure& s, const std::string& smiles = "", const std::string& geometry = "");
    // Structure i rebuilt with double-precision copies of the stored float32 values; numeric
    // properties that are not NaN come back as properties, the SMILES as property "smiles".
    Structure structure(std::int64_t i) const;
    const PreparedProperty* property(const std::string& name) const;
    PreparedProperty& property_column(const std::string& name, const std::string& unit = "");

    // Throws adit::Error if the arrays disagree in size, offsets are not monotonic, or a split
    // index is out of range.
    void check() const;
};

// Writes through a temporary name renamed into place only on success. Throws adit::Error.
void write_prepared(const std::string& path, const PreparedData& data);

struct ReadPreparedOptions {
    bool atoms = true;  // false: skip /atoms (summaries only need offsets)
};

// Throws adit::Error naming the file when it is missing, not HDF5, or not this layout (or a
// newer format version than this build reads).
PreparedData read_prepared(const std::string& path, const ReadPreparedOptions& options = {});

// True if the file is an HDF5 file with format == "adit-prepared" (never throws).
bool is_prepared_file(const std::string& path);

// Lower-case hex SHA-256 of a file's bytes; throws adit::Error if it cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace adit
