// Distribution metrics of generated crystals against a reference set, as CDVAE reports them:
// the 1-D Wasserstein (earth mover's) distance between empirical distributions of density
// (g/cm^3) and of the number of distinct elements (scipy.stats.wasserstein_distance).
#pragma once

#include <vector>

namespace adit::metrics {

// W1 between the empirical distributions of `a` and `b` (unit weights): the integral of
// |F_a - F_b|. Returns 0 when either is empty.
double wasserstein_1d(std::vector<double> a, std::vector<double> b);

}  // namespace adit::metrics
