// Writing sampled structures with their provenance: a structure file (.sdf, .xyz, .extxyz, .cif,
// ...), adit's HDF5 layout (.h5, readable by `adit eval` and `adit info`), or a directory with
// one file per structure. Every sample carries its system label, step count, guidance scale,
// seed, sampler and model: SDF properties, extended-XYZ comment keys, CIF `_adit_*` items, or
// per-structure HDF5 property columns plus `sample_*` root attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"
#include "adit/io/format.hpp"

namespace adit::sample {

struct SampleProvenance {
    std::string model;        // checkpoint path as given
    std::string system;       // "molecule" | "crystal"
    std::int64_t steps = 0;
    double cfg_scale = 0;
    double time_power = 1;    // the sampler's time grid (SamplerOptions::time_power)
    std::int64_t refine = 0;  // refinement passes (SamplerOptions::refine)
    double temperature = 1;   // the starting noise's scale (SamplerOptions::temperature)
    std::uint64_t seed = 0;
    std::string sampler;      // "euler" | "heun"
    std::string command_line; // stored in .h5 files
};

struct SampleWriteOptions {
    std::optional<FileFormat> format;  // a directory's per-structure format; else from `out`
    bool symmetrize = false;           // CIF: space group (spglib)
};

// Sets the properties system, sampling_steps, cfg_scale, time_power, refine_passes,
// noise_temperature, seed, sampler and model on each structure.
void stamp_provenance(std::vector<Structure>& structures, const SampleProvenance& provenance);

// True when `out` names a directory: an existing one, a path ending in '/', or a name without
// an extension.
bool is_directory_output(const std::string& out);

// Writes `structures` (already stamped) to `out`; returns the files written (one, or one per
// structure in a directory: <system>_<index>.<ext>, .xyz for molecules and .cif for crystals
// unless options.format says otherwise). Throws adit::Error.
std::vector<std::string> write_samples(const std::string& out, const std::vector<Structure>& structures,
                                       const SampleProvenance& provenance, const SampleWriteOptions& options = {});

}  // namespace adit::sample
