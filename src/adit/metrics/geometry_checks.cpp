#include "adit/metrics/geometry_checks.hpp"

#include <cmath>

#include <fmt/format.h>

#include "adit/core/elements.hpp"

namespace adit::metrics {

GeometryChecks check_geometry(const Structure& s, const std::vector<Bond>& bonds) {
    GeometryChecks g;
    const std::size_t n = s.size();
    auto radius = [&](std::size_t i) {
        double r = is_known_element(s.numbers[i]) ? element(s.numbers[i]).covalent_radius : 0.0;
        return r > 0 ? r : 1.5;
    };
    auto note = [&](std::string text) {
        if (g.first_problem.empty()) g.first_problem = std::move(text);
    };
    std::vector<std::vector<int>> nbrs(n);
    for (const Bond& b : bonds) {
        if (b.i < 0 || b.j < 0 || b.i >= static_cast<int>(n) || b.j >= static_cast<int>(n)) continue;
        nbrs[b.i].push_back(b.j);
        nbrs[b.j].push_back(b.i);
        const double d = (s.positions[b.i] - s.positions[b.j]).norm();
        const double ref = radius(b.i) + radius(b.j);
        if (d < 0.75 * ref || d > 1.25 * ref) {
            g.bond_lengths = false;
            note(fmt::format("bond {}-{} is {:.2f} Å (reference {:.2f} Å)", b.i, b.j, d, ref));
        }
    }
    for (std::size_t c = 0; c < n; ++c)
        for (std::size_t x = 0; x < nbrs[c].size(); ++x)
            for (std::size_t y = x + 1; y < nbrs[c].size(); ++y) {
                const Eigen::Vector3d u = s.positions[nbrs[c][x]] - s.positions[c];
                const Eigen::Vector3d v = s.positions[nbrs[c][y]] - s.positions[c];
                const double cosine = u.dot(v) / (u.norm() * v.norm());
                const double angle = std::acos(std::max(-1.0, std::min(1.0, cosine))) * 180.0 / 3.14159265358979323846;
                if (!(angle >= 45.0)) {
                    g.bond_angles = false;
                    note(fmt::format("angle {}-{}-{} is {:.0f} degrees", nbrs[c][x], c, nbrs[c][y], angle));
                }
            }
    auto related = [&](std::size_t i, std::size_t j) {
        for (int a : nbrs[i]) {
            if (a == static_cast<int>(j)) return true;
            for (int b : nbrs[a])
                if (b == static_cast<int>(j)) return true;
        }
        return false;
    };
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            const double d = (s.positions[i] - s.positions[j]).norm();
            const double limit = 0.75 * (radius(i) + radius(j) + 1.0);
            if (d < limit && !related(i, j)) {
                g.no_clash = false;
                note(fmt::format("atoms {} and {} clash at {:.2f} Å", i, j, d));
            }
        }
    return g;
}

}  // namespace adit::metrics
