// Autoencoder reconstruction: real structures through the VAE (encoder mean, no sampling) and
// back, with how close each one came. A generated structure can only be as good as what the
// decoder makes of a latent, so this is the ceiling of every DiT trained on the VAE: ADiT reports
// it as the VAE's match rate (crystals) and reconstruction validity (molecules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "adit/models/vae.hpp"

namespace adit::sample {

// How one structure came back.
struct ReconstructionError {
    bool types_exact = false;           // every atom decoded to its own element
    std::optional<double> rmsd;         // molecules: Cartesian RMSD (Å), both centred, atoms in input order
    std::optional<double> length_mae;   // crystals: mean |a, b, c error| (Å)
    std::optional<double> angle_mae;    // crystals: mean |alpha, beta, gamma error| (degrees)
    std::optional<bool> matched;        // crystals: StructureMatcher fit (ltol 0.3, stol 0.5, angle 10, as ADiT/CDVAE)
    std::optional<double> match_rms;    // crystals: normalised RMS distance of a match
};

struct Reconstruction {
    std::vector<Structure> structures;  // decoded, in input order, id and properties of the input kept
    std::vector<ReconstructionError> errors;
};

// Encodes `inputs` in batches of `batch_size` (sorted by size, so padding stays small) on the
// VAE's device, decodes the latent means and compares. Crystal matching runs on `threads` host
// threads. Throws adit::Error for an input the VAE cannot represent (an element above its
// vocabulary).
Reconstruction reconstruct_structures(models::VAEImpl& vae, const std::vector<Structure>& inputs,
                                      std::int64_t batch_size, int threads, const ProgressCallback& progress = {});

// Aggregates over one system's structures, for the report.
struct ReconstructionSummary {
    std::size_t count = 0;
    double types_exact = 0;     // fraction
    double rmsd_mean = 0;       // molecules (Å)
    double rmsd_median = 0;
    double match_rate = 0;      // crystals: fraction matched
    double match_rms_mean = 0;  // over matched crystals
    double length_mae = 0, angle_mae = 0;
};
ReconstructionSummary summarize(const std::vector<ReconstructionError>& errors, bool crystals);

}  // namespace adit::sample
