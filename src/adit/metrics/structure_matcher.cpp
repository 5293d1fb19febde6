// See structure_matcher.hpp: a step-by-step re-implementation of pymatgen's StructureMatcher
// (pymatgen/analysis/structure_matcher.py, Structure.get_primitive_structure,
// Lattice.get_niggli_reduced_lattice, Lattice.find_all_mappings and the Cython helpers
// pbc_shortest_vectors / is_coord_subset_pbc of pymatgen/util/coord_cython.pyx).
#include "adit/metrics/structure_matcher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/lattice.hpp"

namespace adit::metrics {
namespace {

constexpr double kPi = 3.14159265358979323846;

using Vec = Eigen::Vector3d;
using RowVec = Eigen::RowVector3d;

struct Cell {
    Eigen::Matrix3d lattice;  // rows
    std::vector<Vec> frac;
    std::vector<int> species;
};

double python_mod1(double x) {  // x % 1 with Python/numpy semantics: result in [0, 1)
    double r = x - std::floor(x);
    return r >= 1.0 ? 0.0 : r;
}
Vec wrap(const Vec& f) { return Vec(python_mod1(f[0]), python_mod1(f[1]), python_mod1(f[2])); }
Vec frac_of(const Vec& cart, const Eigen::Matrix3d& inv) { return (cart.transpose() * inv).transpose(); }
Vec cart_of(const Vec& frac, const Eigen::Matrix3d& lat) { return (frac.transpose() * lat).transpose(); }

// pymatgen's Lattice._calculate_lll (delta 0.75), step for step: which reduced basis comes out
// decides the periodic images and the fractional cut-offs of pbc_shortest_vectors, so the
// matcher uses this one rather than core's textbook LLL.
Eigen::Matrix3d lll_of(const Eigen::Matrix3d& rows) {
    const double delta = 0.75;
    Eigen::Matrix3d a = rows.transpose();  // columns are the basis vectors
    Eigen::Matrix3d b = Eigen::Matrix3d::Zero(), u = Eigen::Matrix3d::Zero();
    Eigen::Vector3d m = Eigen::Vector3d::Zero();
    auto gram_schmidt_row = [&](int i) {  // u[i, 0:i], b[:, i], m[i]
        for (int j = 0; j < i; ++j) u(i, j) = a.col(i).dot(b.col(j)) / m[j];
        b.col(i) = a.col(i);
        for (int j = 0; j < i; ++j) b.col(i) -= u(i, j) * b.col(j);
        m[i] = b.col(i).dot(b.col(i));
    };
    b.col(0) = a.col(0);
    m[0] = b.col(0).dot(b.col(0));
    for (int i = 1; i < 3; ++i) gram_schmidt_row(i);
    int k = 2;
    for (int guard = 0; k <= 3 && guard < 10000; ++guard) {
        for (int i = k - 1; i > 0; --i) {
            const double q = std::nearbyint(u(k - 1, i - 1));  // Python's round(): half to even
            if (q != 0) {
                a.col(k - 1) -= q * a.col(i - 1);
                for (int j = 0; j < i - 1; ++j) u(k - 1, j) -= q * u(i - 1, j);
                u(k - 1, i - 1) -= q;
            }
        }
        if (b.col(k - 1).dot(b.col(k - 1)) >=
            (delta - std::abs(u(k - 1, k - 2)) * std::abs(u(k - 1, k - 2))) * b.col(k - 2).dot(b.col(k - 2))) {
            ++k;
        } else {
            Eigen::Vector3d v = a.col(k - 1);
            a.col(k - 1) = a.col(k - 2);
            a.col(k - 2) = v;
            for (int s = k - 1; s <= k; ++s) gram_schmidt_row(s - 1);
            if (k > 2) {
                --k;
            } else {
                for (int r = k; r < 3; ++r)
                    for (int c = k - 2; c < k; ++c) u(r, c) = a.col(r).dot(b.col(c)) / m[c];
            }
        }
    }
    return a.transpose();
}

struct Params {
    double a, b, c, alpha, beta, gamma;
};
double angle_deg(const Vec& u, const Vec& v) {
    double x = u.dot(v) / (u.norm() * v.norm());
    return std::acos(std::clamp(x, -1.0, 1.0)) * 180.0 / kPi;
}
Params params_of(const Eigen::Matrix3d& m) {
    Vec a = m.row(0).transpose(), b = m.row(1).transpose(), c = m.row(2).transpose();
    return {a.norm(), b.norm(), c.norm(), angle_deg(b, c), angle_deg(a, c), angle_deg(a, b)};
}
// Lengths of the reciprocal lattice vectors including pymatgen's 2π.
Vec reciprocal_abc(const Eigen::Matrix3d& m) {
    Eigen::Matrix3d inv = m.inverse();
    return Vec(inv.col(0).norm(), inv.col(1).norm(), inv.col(2).norm()) * (2 * kPi);
}

// ---- Niggli and primitive reduction ---------------------------------------------------------

Cell niggli_cell(const Cell& c) {
    Cell r;
    r.lattice = niggli_reduce(c.lattice);
    r.species = c.species;
    Eigen::Matrix3d inv = r.lattice.inverse();
    for (const Vec& f : c.frac) r.frac.push_back(wrap(frac_of(cart_of(f, c.lattice), inv)));
    return r;
}

std::vector<int> divisors(int n) {
    std::vector<int> d;
    for (int i = 1; i <= n; ++i)
        if (n % i == 0) d.push_back(i);
    return d;
}

// One step of pymatgen's Structure.get_primitive_structure(tolerance): a smaller cell, if any.
std::optional<Cell> smaller_cell(const Cell& s, double tolerance) {
    const std::size_t n = s.species.size();
    if (n < 2) return std::nullopt;
    // Group sites by species string (stable sort by symbol, as pymatgen sorts by species_string).
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return element(s.species[x]).symbol < element(s.species[y]).symbol;
    });
    std::vector<std::vector<Vec>> gf;
    std::vector<int> gsp;
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t i = order[k];
        if (gf.empty() || gsp.back() != s.species[i]) {
            gf.emplace_back();
            gsp.push_back(s.species[i]);
        }
        gf.back().push_back(s.frac[i]);
    }
    std::size_t min_group = 0;
    for (std::size_t g = 1; g < gf.size(); ++g)
        if (gf[g].size() < gf[min_group].size()) min_group = g;
    std::vector<Vec> min_vecs;
    for (const Vec& f : gf[min_group]) min_vecs.push_back(f - gf[min_group][0]);

    const Params p = params_of(s.lattice);
    const Vec super_ftol = Vec(tolerance / p.a, tolerance / p.b, tolerance / p.c);
    const Vec super_ftol_2 = 2 * super_ftol;
    auto close_pbc = [](const Vec& d0, const Vec& tol) {
        for (int k = 0; k < 3; ++k) {
            double d = d0[k] - std::nearbyint(d0[k]);
            if (!(std::abs(d) < tol[k])) return false;
        }
        return true;
    };
    std::vector<std::size_t> by_size(gf.size());
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t x, std::size_t y) { return gf[x].size() < gf[y].size(); });
    for (std::size_t g : by_size)
        for (const Vec& f : gf[g]) {
            std::vector<Vec> kept;
            for (const Vec& v : min_vecs) {
                bool any = false;
                for (const Vec& x : gf[g])
                    if (close_pbc(v - (x - f), super_ftol_2)) {
                        any = true;
                        break;
                    }
                if (any) kept.push_back(v);
            }
            min_vecs.swap(kept);
        }

    // Sites of one species that may not map onto each other (too far apart in the supercell).
    std::vector<std::vector<std::vector<char>>> non_nbrs(gf.size());
    for (std::size_t g = 0; g < gf.size(); ++g) {
        const std::size_t m = gf[g].size();
        non_nbrs[g].assign(m, std::vector<char>(m, 0));
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < m; ++j) {
                Vec d = gf[g][j] - gf[g][i];
                bool far = false;
                for (int k = 0; k < 3; ++k)
                    if (std::abs(d[k] - std::nearbyint(d[k])) > 2 * super_ftol[k]) far = true;
                non_nbrs[g][i][j] = far || i == j;
            }
    }

    int num_fu = 0;
    for (const auto& g : gf) num_fu = std::gcd(num_fu, static_cast<int>(g.size()));
    for (int det : divisors(num_fu)) {
        if (det == 1) continue;
        for (int a : divisors(det))
            for (int e : divisors(det / a)) {
                const int gg = det / a / e;
                for (int b = 0; b < a; ++b)
                    for (int c = 0; c < a; ++c)
                        for (int f = 0; f < e; ++f) {
                            Eigen::Matrix3d m;
                            m << a, b, c, 0, e, f, 0, 0, gg;
                            const Eigen::Matrix3d inv_m = m.inverse();
                            bool all_rows = true;
                            for (int r = 0; r < 3 && all_rows; ++r) {
                                Vec row = inv_m.row(r).transpose();
                                bool any = false;
                                for (const Vec& v : min_vecs)
                                    if (close_pbc(row - v, super_ftol)) {
                                        any = true;
                                        break;
                                    }
                                all_rows = any;
                            }
                            if (!all_rows) continue;
                            const Eigen::Matrix3d new_m = inv_m * s.lattice;
                            const Vec ftol(tolerance / new_m.row(0).norm(), tolerance / new_m.row(1).norm(),
                                           tolerance / new_m.row(2).norm());
                            Cell out;
                            out.lattice = new_m;
                            bool valid = true;
                            for (std::size_t g = 0; g < gf.size() && valid; ++g) {
                                const std::size_t k = gf[g].size();
                                std::vector<Vec> all_frac(k);
                                for (std::size_t i = 0; i < k; ++i) all_frac[i] = (gf[g][i].transpose() * m).transpose();
                                std::vector<std::vector<char>> groups(k, std::vector<char>(k, 0));
                                for (std::size_t i = 0; i < k; ++i)
                                    for (std::size_t j = 0; j < k; ++j) {
                                        Vec d = all_frac[j] - all_frac[i];
                                        bool close = true;
                                        for (int q = 0; q < 3; ++q)
                                            if (!(std::abs(d[q] - std::nearbyint(d[q])) < ftol[q])) close = false;
                                        groups[i][j] = close && non_nbrs[g][i][j];
                                    }
                                for (std::size_t j = 0; j < k && valid; ++j) {
                                    int col = 0;
                                    for (std::size_t i = 0; i < k; ++i) col += groups[i][j];
                                    if (col != det) valid = false;
                                }
                                for (std::size_t r = 0; r < k && valid; ++r)
                                    for (std::size_t i = 0; i < k && valid; ++i)
                                        for (std::size_t j = 0; j < k && valid; ++j)
                                            if (groups[r][i] && groups[r][j] && !groups[i][j]) valid = false;
                                if (!valid) break;
                                std::vector<char> added(k, 0);
                                std::vector<Vec> nf(k);
                                for (std::size_t i = 0; i < k; ++i) nf[i] = wrap(all_frac[i]);
                                for (std::size_t i = 0; i < k; ++i) {
                                    if (added[i]) continue;
                                    std::vector<std::size_t> inds;
                                    for (std::size_t j = 0; j < k; ++j)
                                        if (groups[i][j]) {
                                            added[j] = 1;
                                            inds.push_back(j);
                                        }
                                    Vec coords = nf[inds[0]];
                                    for (std::size_t q = 1; q < inds.size(); ++q) {
                                        Vec offset = nf[inds[q]] - coords;
                                        for (int t = 0; t < 3; ++t) offset[t] -= std::nearbyint(offset[t]);
                                        coords += offset / static_cast<double>(q + 1);
                                    }
                                    out.frac.push_back(coords);
                                    out.species.push_back(gsp[g]);
                                }
                            }
                            if (valid) return out;
                        }
            }
    }
    return std::nullopt;
}

Cell primitive_cell(const Cell& s, double tolerance) {
    std::optional<Cell> smaller = smaller_cell(s, tolerance);
    if (!smaller) return s;
    return niggli_cell(primitive_cell(*smaller, tolerance));
}

// ---- lattice mappings ------------------------------------------------------------------------

struct LatticeMapping {
    Eigen::Matrix3d aligned;  // rows: lattice vectors of structure 1 matching structure 2's cell
};

// pymatgen Lattice.find_all_mappings(other, ltol, atol) restricted to |det| = 1 (no supercell).
std::vector<LatticeMapping> find_all_mappings(const Eigen::Matrix3d& lat, const Eigen::Matrix3d& target, double ltol,
                                              double atol) {
    const Params tp = params_of(target);
    const double lengths[3] = {tp.a, tp.b, tp.c};
    const double r = std::max({tp.a, tp.b, tp.c}) * (1 + ltol);
    const Eigen::Matrix3d inv = lat.inverse();
    int bound[3];
    for (int k = 0; k < 3; ++k) bound[k] = static_cast<int>(std::ceil(r * inv.col(k).norm())) + 1;
    std::vector<Vec> cand_cart[3];
    std::vector<Eigen::Vector3i> cand_frac[3];
    for (int i = -bound[0]; i <= bound[0]; ++i)
        for (int j = -bound[1]; j <= bound[1]; ++j)
            for (int k = -bound[2]; k <= bound[2]; ++k) {
                Vec cart = cart_of(Vec(i, j, k), lat);
                double d = cart.norm();
                if (d > r) continue;
                for (int q = 0; q < 3; ++q)
                    if (d / lengths[q] < 1 + ltol && d / lengths[q] > 1 / (1 + ltol)) {
                        cand_cart[q].push_back(cart);
                        cand_frac[q].emplace_back(i, j, k);
                    }
            }
    std::vector<LatticeMapping> out;
    const auto& ca = cand_cart[0];
    const auto& cb = cand_cart[1];
    const auto& cc = cand_cart[2];
    std::vector<char> alpha_ok(cb.size() * cc.size()), beta_ok(ca.size() * cc.size());
    for (std::size_t j = 0; j < cb.size(); ++j)
        for (std::size_t k = 0; k < cc.size(); ++k) alpha_ok[j * cc.size() + k] = std::abs(angle_deg(cb[j], cc[k]) - tp.alpha) < atol;
    for (std::size_t i = 0; i < ca.size(); ++i)
        for (std::size_t k = 0; k < cc.size(); ++k) beta_ok[i * cc.size() + k] = std::abs(angle_deg(ca[i], cc[k]) - tp.beta) < atol;
    for (std::size_t i = 0; i < ca.size(); ++i)
        for (std::size_t j = 0; j < cb.size(); ++j) {
            if (!(std::abs(angle_deg(ca[i], cb[j]) - tp.gamma) < atol)) continue;
            for (std::size_t k = 0; k < cc.size(); ++k) {
                if (!alpha_ok[j * cc.size() + k] || !beta_ok[i * cc.size() + k]) continue;
                Eigen::Matrix3d sm;
                sm.row(0) = cand_frac[0][i].cast<double>().transpose();
                sm.row(1) = cand_frac[1][j].cast<double>().transpose();
                sm.row(2) = cand_frac[2][k].cast<double>().transpose();
                double det = sm.determinant();
                if (std::abs(det) < 1e-8) continue;
                if (!(std::abs(std::abs(det) - 1.0) < 0.5)) continue;
                LatticeMapping mpg;
                mpg.aligned.row(0) = ca[i].transpose();
                mpg.aligned.row(1) = cb[j].transpose();
                mpg.aligned.row(2) = cc[k].transpose();
                out.push_back(mpg);
            }
        }
    return out;
}

// ---- the site search -------------------------------------------------------------------------

struct SearchOutcome {
    bool match = false;
    double best_rms = std::numeric_limits<double>::infinity();
    double max_at_best_rms = 0;
};

// pymatgen _strict_match(struct1, struct2, fu=1, s1_supercell=True) for equal sizes: tries every
// lattice of s1 aligned to s2's and every translation; records fit (max distance < stol) and the
// smallest rms.
SearchOutcome strict_match(const Cell& s1, const Cell& s2, const MatcherOptions& o, bool rms_wanted) {
    SearchOutcome out;
    const std::size_t n = s1.species.size();
    // mask(i, j): s2 site i may not go to s1 site j (different species).
    std::vector<std::vector<char>> mask(n, std::vector<char>(n));
    std::size_t s2_t = 0;
    int best_row = -1;
    for (std::size_t i = 0; i < n; ++i) {
        int row = 0;
        for (std::size_t j = 0; j < n; ++j) row += mask[i][j] = s2.species[i] != s1.species[j];
        if (row > best_row) {
            best_row = row;
            s2_t = i;
        }
    }
    std::vector<std::size_t> s1_t;
    for (std::size_t j = 0; j < n; ++j)
        if (!mask[s2_t][j]) s1_t.push_back(j);

    std::vector<Vec> cart1(n);
    for (std::size_t i = 0; i < n; ++i) cart1[i] = cart_of(s1.frac[i], s1.lattice);
    const Params p2 = params_of(s2.lattice);

    for (const LatticeMapping& lm : find_all_mappings(s1.lattice, s2.lattice, o.ltol, o.angle_tol)) {
        const Eigen::Matrix3d inv_l = lm.aligned.inverse();
        std::vector<Vec> s1fc(n);
        for (std::size_t i = 0; i < n; ++i) s1fc[i] = wrap(frac_of(cart1[i], inv_l));
        const Params pl = params_of(lm.aligned);
        const Eigen::Matrix3d avg = lattice_from_parameters({(pl.a + p2.a) / 2, (pl.b + p2.b) / 2, (pl.c + p2.c) / 2,
                                                             (pl.alpha + p2.alpha) / 2, (pl.beta + p2.beta) / 2,
                                                             (pl.gamma + p2.gamma) / 2})
                                        .vectors();
        const double normalization = std::cbrt(static_cast<double>(n) / std::abs(avg.determinant()));
        const Vec frac_tol = reciprocal_abc(avg) * o.stol / (kPi * normalization);
        bool lll_ready = false;
        Eigen::Matrix3d lll, lll_inv;
        Vec lll_frac_tol = Vec::Zero();
        for (std::size_t s1i : s1_t) {
            const Vec t = s1fc[s1i] - s2.frac[s2_t];
            std::vector<Vec> ts2(n);
            for (std::size_t i = 0; i < n; ++i) ts2[i] = s2.frac[i] + t;
            // is_coord_subset_pbc(ts2, s1fc, frac_tol, mask)
            bool subset = true;
            for (std::size_t i = 0; i < n && subset; ++i) {
                bool ok = false;
                for (std::size_t j = 0; j < n && !ok; ++j) {
                    if (mask[i][j]) continue;
                    ok = true;
                    for (int k = 0; k < 3; ++k) {
                        double d = ts2[i][k] - s1fc[j][k];
                        if (std::abs(d - std::round(d)) > frac_tol[k]) {
                            ok = false;
                            break;
                        }
                    }
                }
                subset = ok;
            }
            if (!subset) continue;
            if (!lll_ready) {
                lll = lll_of(avg);
                lll_inv = lll.inverse();
                lll_frac_tol = reciprocal_abc(lll) * o.stol / (kPi * normalization);
                lll_ready = true;
            }
            // pbc_shortest_vectors(avg, ts2, s1fc, mask, lll_frac_tol): vectors from s2 to s1 sites.
            std::vector<Vec> f1(n), f2(n), c1(n), c2(n);
            for (std::size_t i = 0; i < n; ++i) {
                f1[i] = frac_of(cart_of(ts2[i], avg), lll_inv);
                f2[i] = frac_of(cart_of(s1fc[i], avg), lll_inv);
                c1[i] = cart_of(wrap(f1[i]), lll);
                c2[i] = cart_of(wrap(f2[i]), lll);
            }
            Vec images[27];
            int q = 0;
            for (int a = -1; a <= 1; ++a)
                for (int b = -1; b <= 1; ++b)
                    for (int c = -1; c <= 1; ++c) images[q++] = cart_of(Vec(a, b, c), lll);
            constexpr double kFar = 1e20;
            Eigen::MatrixXd d2(n, n);
            std::vector<Vec> vecs(n * n);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < n; ++j) {
                    bool within = !mask[i][j];
                    if (within)
                        for (int l = 0; l < 3; ++l) {
                            double fd = f2[j][l] - f1[i][l];
                            if (std::abs(fd - std::round(fd)) > lll_frac_tol[l]) {
                                within = false;
                                break;
                            }
                        }
                    if (!within) {
                        d2(i, j) = kFar;
                        vecs[i * n + j] = Vec::Constant(kFar);
                        continue;
                    }
                    const Vec pre = c2[j] - c1[i];
                    double best = 1e100;
                    int bk = 0;
                    for (int k = 0; k < 27; ++k) {
                        double d = (pre + images[k]).squaredNorm();
                        if (d < best) {
                            best = d;
                            bk = k;
                        }
                    }
                    d2(i, j) = best;
                    vecs[i * n + j] = pre + images[bk];
                }
            // The same solver pymatgen uses (LAPJV) on the same costs, 1e20 entries included: with
            // such entries its floating-point path can settle on a slightly worse assignment,
            // and matching pymatgen's verdicts means taking the same one.
            const std::vector<int> sol = lapjv_assignment(d2);
            Vec translation = Vec::Zero();
            bool forbidden = false;
            for (std::size_t i = 0; i < n; ++i) {
                if (d2(i, sol[i]) >= kFar) forbidden = true;
                translation += vecs[i * n + sol[i]];
            }
            if (forbidden) continue;  // distances of 1e20: cannot be below stol
            translation /= static_cast<double>(n);
            double max_d = 0, sum_sq = 0;
            for (std::size_t i = 0; i < n; ++i) {
                double d = (vecs[i * n + sol[i]] - translation).norm() * normalization;
                max_d = std::max(max_d, d);
                sum_sq += d * d;
            }
            const double rms = std::sqrt(sum_sq / static_cast<double>(n));
            if (max_d < o.stol) out.match = true;
            if (rms < out.best_rms) {
                out.best_rms = rms;
                out.max_at_best_rms = max_d;
            }
            if (!rms_wanted && out.match) return out;
        }
    }
    return out;
}

}  // namespace

Eigen::Matrix3d niggli_reduce(const Eigen::Matrix3d& lattice, double tol) {
    Eigen::Matrix3d L = lll_of(lattice);
    const double e = tol * std::cbrt(std::abs(L.determinant()));
    auto apply = [&](const Eigen::Matrix3d& M) { L = M.transpose() * L; };
    auto sgn = [](double x) { return x > 0 ? 1.0 : -1.0; };
    for (int iter = 0; iter < 100; ++iter) {
        Eigen::Matrix3d G = L * L.transpose();
        double A = G(0, 0), B = G(1, 1), C = G(2, 2), E = 2 * G(1, 2), N = 2 * G(0, 2), Y = 2 * G(0, 1);
        if (A > B + e || (std::abs(A - B) < e && std::abs(E) > std::abs(N) + e)) {  // A1
            Eigen::Matrix3d M;
            M << 0, -1, 0, -1, 0, 0, 0, 0, -1;
            apply(M);
            G = L * L.transpose();
            A = G(0, 0), B = G(1, 1), C = G(2, 2), E = 2 * G(1, 2), N = 2 * G(0, 2), Y = 2 * G(0, 1);
        }
        if (B > C + e || (std::abs(B - C) < e && std::abs(N) > std::abs(Y) + e)) {  // A2
            Eigen::Matrix3d M;
            M << -1, 0, 0, 0, 0, -1, 0, -1, 0;
            apply(M);
            continue;
        }
        const double l = std::abs(E) < e ? 0 : sgn(E), m = std::abs(N) < e ? 0 : sgn(N), n = std::abs(Y) < e ? 0 : sgn(Y);
        if (l * m * n == 1) {  // A3
            Eigen::Matrix3d M = Eigen::Vector3d(l == -1 ? -1 : 1, m == -1 ? -1 : 1, n == -1 ? -1 : 1).asDiagonal();
            apply(M);
        } else if (l * m * n == 0 || l * m * n == -1) {  // A4
            double i = l == 1 ? -1 : 1, j = m == 1 ? -1 : 1, k = n == 1 ? -1 : 1;
            if (i * j * k == -1) {
                if (n == 0) k = -1;
                else if (m == 0) j = -1;
                else if (l == 0) i = -1;
            }
            Eigen::Matrix3d M = Eigen::Vector3d(i, j, k).asDiagonal();
            apply(M);
        }
        G = L * L.transpose();
        A = G(0, 0), B = G(1, 1), C = G(2, 2), E = 2 * G(1, 2), N = 2 * G(0, 2), Y = 2 * G(0, 1);
        if (std::abs(E) > B + e || (std::abs(E - B) < e && 2 * N < Y - e) || (std::abs(E + B) < e && Y < -e)) {  // A5
            Eigen::Matrix3d M;
            M << 1, 0, 0, 0, 1, -sgn(E), 0, 0, 1;
            apply(M);
            continue;
        }
        if (std::abs(N) > A + e || (std::abs(A - N) < e && 2 * E < Y - e) || (std::abs(A + N) < e && Y < -e)) {  // A6
            Eigen::Matrix3d M;
            M << 1, 0, -sgn(N), 0, 1, 0, 0, 0, 1;
            apply(M);
            continue;
        }
        if (std::abs(Y) > A + e || (std::abs(A - Y) < e && 2 * E < N - e) || (std::abs(A + Y) < e && N < -e)) {  // A7
            Eigen::Matrix3d M;
            M << 1, -sgn(Y), 0, 0, 1, 0, 0, 0, 1;
            apply(M);
            continue;
        }
        if (E + N + Y + A + B < -e || (std::abs(E + N + Y + A + B) < e && e < Y + (A + N) * 2)) {  // A8
            Eigen::Matrix3d M;
            M << 1, 0, 1, 0, 1, 1, 0, 0, 1;
            apply(M);
            continue;
        }
        break;
    }
    if (L.determinant() < 0) L = -L;
    return L;
}

std::string reduced_composition_key(const std::vector<int>& species) {
    std::map<int, long long> counts;
    for (int z : species) ++counts[z];
    long long g = 0;
    for (const auto& [z, c] : counts) g = std::gcd(g, c);
    std::string key;
    for (const auto& [z, c] : counts) {
        if (!key.empty()) key += ' ';
        key += fmt::format("{}:{}", z, c / g);
    }
    return key;
}

std::vector<int> lapjv_assignment(const Eigen::MatrixXd& c, double eps) {
    // Jonker & Volgenant, Computing 38, 325 (1987), in the variant of pymatgen's
    // optimization/linear_assignment.pyx (column reduction, reduction transfer, two rounds of
    // augmenting row reduction with an iteration guard, shortest augmenting paths; eps 1e-13).
    const int n = static_cast<int>(c.rows());
    if (c.cols() != n) fail("lapjv_assignment: cost matrix must be square");
    if (n == 0) return {};
    std::vector<int> x(n, -1), y(n, -1), col(n), fre(n), pred(n);
    std::vector<double> v(n), d(n);
    for (int j = n - 1; j >= 0; --j) {  // column reduction
        col[j] = j;
        double h = c(0, j);
        int i1 = 0;
        for (int i = 1; i < n; ++i)
            if (c(i, j) < h) {
                h = c(i, j);
                i1 = i;
            }
        v[j] = h;
        if (x[i1] == -1) {
            x[i1] = j;
            y[j] = i1;
        } else {
            if (x[i1] > -1) x[i1] = -2 - x[i1];
            y[j] = -1;
        }
    }
    int f = -1;
    for (int i = 0; i < n; ++i) {  // reduction transfer
        if (x[i] == -1) {
            fre[++f] = i;
        } else if (x[i] < -1) {
            x[i] = -2 - x[i];
        } else {
            const int j1 = x[i];
            double m = 1e300;
            for (int j = 0; j < n; ++j)
                if (j != j1 && c(i, j) - v[j] < m) m = c(i, j) - v[j];
            v[j1] -= m;
        }
    }
    for (int cnt = 0; cnt < 2; ++cnt) {  // augmenting row reduction
        int k = 0;
        const int f0 = f;
        f = -1;
        int nrr = 0;
        while (k <= f0) {
            ++nrr;
            const int i = fre[k];
            ++k;
            double u1 = c(i, 0) - v[0], u2 = 1e300;
            int j1 = 0, j2 = 0;
            for (int j = 1; j < n; ++j) {
                const double h = c(i, j) - v[j];
                if (h < u2) {
                    if (h >= u1) {
                        u2 = h;
                        j2 = j;
                    } else {
                        u2 = u1;
                        u1 = h;
                        j2 = j1;
                        j1 = j;
                    }
                }
            }
            int i1 = y[j1];
            if (u1 + eps < u2 && nrr < n * k) {
                v[j1] = v[j1] - u2 + u1;
            } else if (i1 > -1 && nrr < n * k) {
                j1 = j2;
                i1 = y[j1];
            }
            if (i1 > -1) {
                if (u1 + eps < u2 && nrr < n * k) {
                    --k;
                    fre[k] = i1;
                } else {
                    fre[++f] = i1;
                }
            }
            x[i] = j1;
            y[j1] = i;
        }
    }
    const int f0 = f;
    for (int ff = 0; ff <= f0; ++ff) {  // augmentation
        const int i1 = fre[ff];
        int low = 0, up = 0, last = 0;
        double m = 0;
        for (int j = 0; j < n; ++j) {
            d[j] = c(i1, j) - v[j];
            pred[j] = i1;
        }
        auto augment = [&](int j) {
            for (int k = 0; k <= last; ++k) {
                const int jj = col[k];
                v[jj] = v[jj] + d[jj] - m;
            }
            while (true) {
                const int i = pred[j];
                y[j] = i;
                const int tmp = j;
                j = x[i];
                x[i] = tmp;
                if (i == i1) return;
            }
        };
        bool done = false;
        while (!done) {
            if (up == low) {
                last = low - 1;
                m = d[col[up]];
                up = up + 1;
                for (int k = up; k < n; ++k) {
                    const int j = col[k];
                    const double h = d[j];
                    if (h <= m + eps) {
                        if (h + eps < m) {
                            up = low;
                            m = h;
                        }
                        col[k] = col[up];
                        col[up] = j;
                        up = up + 1;
                    }
                }
                for (int z = low; z < up; ++z) {
                    const int j = col[z];
                    if (y[j] == -1) {
                        augment(j);
                        done = true;
                        break;
                    }
                }
            }
            if (done) break;
            const int j1 = col[low];
            low = low + 1;
            const int i = y[j1];
            const double u1 = c(i, j1) - v[j1] - m;
            for (int k = up; k < n; ++k) {
                const int j = col[k];
                const double h = c(i, j) - v[j] - u1;
                if (h + eps < d[j]) {
                    d[j] = h;
                    pred[j] = i;
                    if (std::abs(h - m) < eps) {
                        if (y[j] == -1) {
                            augment(j);
                            done = true;
                            break;
                        }
                        col[k] = col[up];
                        col[up] = j;
                        up = up + 1;
                    }
                }
            }
        }
    }
    return x;
}

std::vector<int> linear_assignment(const Eigen::MatrixXd& cost) {
    // Hungarian algorithm with potentials (Kuhn 1955; Munkres 1957), O(n^3), 1-based internally.
    const int n = static_cast<int>(cost.rows());
    if (cost.cols() != n) fail("linear_assignment: cost matrix must be square");
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(n + 1, 0), v(n + 1, 0);
    std::vector<int> p(n + 1, 0), way(n + 1, 0);
    for (int i = 1; i <= n; ++i) {
        p[0] = i;
        int j0 = 0;
        std::vector<double> minv(n + 1, inf);
        std::vector<char> used(n + 1, 0);
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = inf;
            for (int j = 1; j <= n; ++j)
                if (!used[j]) {
                    double cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            for (int j = 0; j <= n; ++j)
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    std::vector<int> row_to_col(n, -1);
    for (int j = 1; j <= n; ++j)
        if (p[j] > 0) row_to_col[p[j] - 1] = j - 1;
    return row_to_col;
}

ReducedStructure reduce_for_matching(const Structure& s, const MatcherOptions& options) {
    if (!s.lattice) fail("structure matcher: '{}' has no lattice", s.id);
    if (s.lattice->is_singular()) fail("structure matcher: '{}' has a singular lattice", s.id);
    if (s.size() == 0) fail("structure matcher: '{}' has no atoms", s.id);
    Cell c;
    c.lattice = s.lattice->vectors();
    c.frac = s.fractional_positions();
    c.species = s.numbers;
    c = niggli_cell(c);
    if (options.primitive_cell) c = primitive_cell(c, 0.25);
    ReducedStructure r;
    r.lattice = c.lattice;
    r.frac = std::move(c.frac);
    r.species = std::move(c.species);
    r.reduced_formula = reduced_composition_key(r.species);
    return r;
}

MatchResult match_structures(const ReducedStructure& a, const ReducedStructure& b, const MatcherOptions& o,
                             bool rms_wanted) {
    MatchResult r;
    if (a.size() != b.size() || a.size() == 0) return r;  // fu = 1: site counts must agree
    std::vector<int> sa = a.species, sb = b.species;
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    if (sa != sb) return r;  // LinearAssignment(mask).min_cost > 0
    Cell c1{a.lattice, a.frac, a.species}, c2{b.lattice, b.frac, b.species};
    if (o.scale) {
        const double v1 = std::abs(c1.lattice.determinant()), v2 = std::abs(c2.lattice.determinant());
        const double ratio = std::pow(v2 / v1, 1.0 / 6.0);
        c1.lattice *= ratio;
        c2.lattice /= ratio;
    }
    const SearchOutcome s = strict_match(c1, c2, o, rms_wanted);
    r.match = s.match && a.reduced_formula == b.reduced_formula;
    if (rms_wanted && s.best_rms < o.stol) {
        r.rms = s.best_rms;
        r.max_dist = s.max_at_best_rms;
    }
    return r;
}

MatchResult match_structures(const Structure& a, const Structure& b, const MatcherOptions& options) {
    return match_structures(reduce_for_matching(a, options), reduce_for_matching(b, options), options, true);
}

}  // namespace adit::metrics
