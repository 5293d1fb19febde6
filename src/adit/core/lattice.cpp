#include "adit/core/lattice.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "adit/core/error.hpp"
#include "adit/core/units.hpp"

namespace adit {

Lattice::Lattice(const Eigen::Matrix3d& rows_are_vectors) : vectors_(rows_are_vectors) {
    if (!vectors_.allFinite()) fail("lattice has non-finite entries");
    inverse_ = is_singular() ? Eigen::Matrix3d::Zero() : Eigen::Matrix3d(vectors_.inverse());
}

double Lattice::volume() const { return std::abs(vectors_.determinant()); }

bool Lattice::is_singular(double min_volume) const { return !(volume() > min_volume); }

LatticeParameters Lattice::parameters() const {
    const Eigen::Vector3d a = vectors_.row(0), b = vectors_.row(1), c = vectors_.row(2);
    auto angle = [](const Eigen::Vector3d& u, const Eigen::Vector3d& v) {
        const double cosine = u.dot(v) / (u.norm() * v.norm());
        return std::acos(std::clamp(cosine, -1.0, 1.0)) * kDegreesPerRadian;
    };
    return {a.norm(), b.norm(), c.norm(), angle(b, c), angle(a, c), angle(a, b)};
}

Eigen::Vector3d Lattice::to_cartesian(const Eigen::Vector3d& frac) const {
    return vectors_.transpose() * frac;
}

Eigen::Vector3d Lattice::to_fractional(const Eigen::Vector3d& cart) const {
    if (is_singular()) fail("cannot convert to fractional coordinates: the lattice is singular");
    return inverse_.transpose() * cart;
}

Lattice Lattice::lll_reduced() const {
    // Textbook LLL on the rows (Lenstra, Lenstra, Lovász 1982), delta = 0.75.
    Eigen::Matrix3d b = vectors_;
    auto gram_schmidt = [&](Eigen::Matrix3d& bs, Eigen::Matrix3d& mu) {
        mu.setZero();
        for (int i = 0; i < 3; ++i) {
            bs.row(i) = b.row(i);
            for (int j = 0; j < i; ++j) {
                mu(i, j) = b.row(i).dot(bs.row(j)) / bs.row(j).squaredNorm();
                bs.row(i) -= mu(i, j) * bs.row(j);
            }
        }
    };
    Eigen::Matrix3d bs, mu;
    gram_schmidt(bs, mu);
    int k = 1;
    for (int guard = 0; k < 3 && guard < 1000; ++guard) {
        for (int j = k - 1; j >= 0; --j) {
            const double q = std::round(mu(k, j));
            if (q != 0) {
                b.row(k) -= q * b.row(j);
                gram_schmidt(bs, mu);
            }
        }
        if (bs.row(k).squaredNorm() >= (0.75 - mu(k, k - 1) * mu(k, k - 1)) * bs.row(k - 1).squaredNorm()) {
            ++k;
        } else {
            Eigen::RowVector3d tmp = b.row(k);
            b.row(k) = b.row(k - 1);
            b.row(k - 1) = tmp;
            gram_schmidt(bs, mu);
            k = std::max(k - 1, 1);
        }
    }
    if (b.determinant() * vectors_.determinant() < 0) b.row(2) *= -1;  // keep the handedness
    return Lattice(b);
}

Eigen::Vector3d Lattice::minimum_image(const Eigen::Vector3d& d) const {
    const Lattice reduced = lll_reduced();
    Eigen::Vector3d f = reduced.to_fractional(d);
    for (int i = 0; i < 3; ++i) f[i] -= std::round(f[i]);
    const Eigen::Vector3d base = reduced.to_cartesian(f);
    Eigen::Vector3d best = base;
    double best_norm = base.squaredNorm();
    for (int i = -1; i <= 1; ++i)
        for (int j = -1; j <= 1; ++j)
            for (int k = -1; k <= 1; ++k) {
                const Eigen::Vector3d v = base + reduced.to_cartesian(Eigen::Vector3d(i, j, k));
                if (v.squaredNorm() < best_norm) {
                    best_norm = v.squaredNorm();
                    best = v;
                }
            }
    return best;
}

double Lattice::minimum_image_distance(const Eigen::Vector3d& r1, const Eigen::Vector3d& r2) const {
    return minimum_image(r2 - r1).norm();
}

Lattice lattice_from_parameters(const LatticeParameters& p) {
    // pymatgen's Lattice.from_parameters (vesta=False): c along z, a in the xz plane. Using the
    // same orientation means Cartesian coordinates from our CIF reader equal pymatgen's.
    const double alpha = p.alpha * kRadiansPerDegree, beta = p.beta * kRadiansPerDegree,
                 gamma = p.gamma * kRadiansPerDegree;
    if (!(p.a > 0 && p.b > 0 && p.c > 0)) fail("lattice lengths must be positive ({}, {}, {})", p.a, p.b, p.c);
    const double val = std::clamp(
        (std::cos(alpha) * std::cos(beta) - std::cos(gamma)) / (std::sin(alpha) * std::sin(beta)), -1.0, 1.0);
    const double gamma_star = std::acos(val);
    Eigen::Matrix3d m;
    m << p.a * std::sin(beta), 0.0, p.a * std::cos(beta),
        -p.b * std::sin(alpha) * std::cos(gamma_star), p.b * std::sin(alpha) * std::sin(gamma_star),
        p.b * std::cos(alpha), 0.0, 0.0, p.c;
    return Lattice(m);
}

}  // namespace adit
