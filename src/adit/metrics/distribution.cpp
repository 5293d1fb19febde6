#include "adit/metrics/distribution.hpp"

#include <algorithm>
#include <cmath>

namespace adit::metrics {

double wasserstein_1d(std::vector<double> a, std::vector<double> b) {
    if (a.empty() || b.empty()) return 0.0;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    // Sweep the merged support; between consecutive points the CDFs are constant.
    std::vector<double> all(a);
    all.insert(all.end(), b.begin(), b.end());
    std::sort(all.begin(), all.end());
    double w = 0;
    std::size_t ia = 0, ib = 0;
    for (std::size_t k = 0; k + 1 < all.size(); ++k) {
        while (ia < a.size() && a[ia] <= all[k]) ++ia;
        while (ib < b.size() && b[ib] <= all[k]) ++ib;
        const double fa = double(ia) / a.size(), fb = double(ib) / b.size();
        w += std::abs(fa - fb) * (all[k + 1] - all[k]);
    }
    return w;
}

}  // namespace adit::metrics
