// Coverage recall / precision of generated crystals against a reference set, in the form of
// CDVAE's COV-R / COV-P (Xie et al. 2022, `compute_cov` in scripts/eval_utils.py):
//
//   recall    = fraction of reference structures that have, among the generated ones, one within
//               the structural cutoff AND one within the compositional cutoff (the two nearest
//               neighbours are looked up separately, as CDVAE does);
//   precision = number of generated structures with a reference structure within both cutoffs,
//               divided by the number of generated structures (`num_generated`, CDVAE divides by
//               all samples, invalid ones included, while only valid ones are fingerprinted).
//
// The fingerprints are a SUBSTITUTE, not CDVAE's (CrystalNN site order parameters + Magpie), so
// the numbers are comparable between adit runs, not with the CDVAE paper's tables:
//
//  * composition fingerprint (16 numbers): for each of Z, Pauling electronegativity, covalent
//    radius (Å) and atomic mass (u), the atom-fraction weighted mean and standard deviation and
//    the minimum and maximum over the elements present (Magpie's statistics on four of its
//    properties). Standardised with the REFERENCE set's per-dimension mean and standard deviation
//    (CDVAE standardises Magpie with fixed training-set statistics), compared by Euclidean
//    distance with cutoff 10 * sqrt(16 / 145) = 3.32 (CDVAE's 10 on 145 Magpie dimensions, scaled
//    to the dimension count so the same fraction of the typical distance is accepted);
//  * structural fingerprint (27 numbers, each block sums to 1, not rescaled, like CrystalNN's;
//    element-blind and scale-free like CrystalNN's "ops" preset): averaged over sites, with d_nn
//    the site's nearest neighbour distance over all periodic images and x = d / d_nn for every
//    image out to 2.5 d_nn, (a) the first-shell coordination number sum w(x), w = 1 up to
//    x = 1.15 falling linearly to 0 at 1.35, as a one-hot over 0..12 (12 = twelve or more; a
//    fractional count is shared linearly between its two bins), and (b) the distribution of x,
//    each neighbour smeared as a Gaussian (sigma 0.05) over 14 bins of width 0.1 covering
//    [1.0, 2.4) and normalised per site. Smooth so small displacements move it a little.
//    Euclidean distance, cutoff 0.4 (CDVAE's structural cutoff).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

inline constexpr std::size_t kCompositionFingerprintSize = 16;
inline constexpr std::size_t kStructureFingerprintSize = 27;

struct CoverageOptions {
    double structure_cutoff = 0.4;
    double composition_cutoff = 3.32;
    int threads = 0;
};

// Throws adit::Error for an empty structure or an unknown element.
std::vector<double> composition_fingerprint(const Structure& s);
// Throws adit::Error without a (non-singular) lattice.
std::vector<double> structure_fingerprint(const Structure& s);

struct Coverage {
    double recall = 0, precision = 0;
    std::size_t generated = 0;   // fingerprinted generated structures
    std::size_t reference = 0;   // fingerprinted reference structures
};

// `generated` should hold the valid samples only; `num_generated` is the precision denominator
// (0 = generated.size()). Structures whose fingerprint cannot be computed are left out. Returns
// nullopt when either set has no fingerprinted structure.
std::optional<Coverage> coverage(const std::vector<const Structure*>& generated,
                                 const std::vector<const Structure*>& reference, std::size_t num_generated = 0,
                                 const CoverageOptions& options = {});

}  // namespace adit::metrics
