// Molecule3D's geometry metrics; see geometry.hpp. Kabsch superposition follows Kabsch (1976)
// with the sign correction that excludes reflections.
#include "adit/metrics/geometry.hpp"

#include <cmath>

#include "adit/core/error.hpp"

namespace adit::metrics {

double kabsch_rmsd(const std::vector<Eigen::Vector3d>& mobile, const std::vector<Eigen::Vector3d>& target) {
    if (mobile.size() != target.size())
        fail("kabsch_rmsd: {} atoms vs {} atoms", mobile.size(), target.size());
    const std::size_t n = mobile.size();
    if (n == 0) return 0.0;
    Eigen::Vector3d cm = Eigen::Vector3d::Zero(), ct = Eigen::Vector3d::Zero();
    for (std::size_t i = 0; i < n; ++i) {
        cm += mobile[i];
        ct += target[i];
    }
    cm /= double(n);
    ct /= double(n);
    Eigen::Matrix3d h = Eigen::Matrix3d::Zero();  // covariance of the centred sets
    for (std::size_t i = 0; i < n; ++i) h += (mobile[i] - cm) * (target[i] - ct).transpose();
    Eigen::JacobiSVD<Eigen::Matrix3d> svd(h, Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Eigen::Matrix3d& u = svd.matrixU();
    const Eigen::Matrix3d& v = svd.matrixV();
    Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
    if ((v * u.transpose()).determinant() < 0) d(2, 2) = -1.0;  // a proper rotation, never a mirror
    const Eigen::Matrix3d rotation = v * d * u.transpose();
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += (rotation * (mobile[i] - cm) - (target[i] - ct)).squaredNorm();
    return std::sqrt(sum / double(n));
}

namespace {

struct PairSums {
    double abs = 0, sq = 0;
    std::size_t pairs = 0;
};

PairSums distance_error_sums(const std::vector<Eigen::Vector3d>& p, const std::vector<Eigen::Vector3d>& r) {
    PairSums s;
    for (std::size_t i = 0; i < p.size(); ++i)
        for (std::size_t j = i + 1; j < p.size(); ++j) {
            const double e = (p[i] - p[j]).norm() - (r[i] - r[j]).norm();
            s.abs += std::abs(e);
            s.sq += e * e;
            ++s.pairs;
        }
    return s;
}

}  // namespace

GeometryErrors geometry_errors(const std::vector<Eigen::Vector3d>& predicted,
                               const std::vector<Eigen::Vector3d>& reference) {
    if (predicted.size() != reference.size())
        fail("geometry_errors: {} predicted atoms vs {} reference atoms", predicted.size(), reference.size());
    GeometryErrors e;
    const PairSums s = distance_error_sums(predicted, reference);
    e.pairs = s.pairs;
    if (s.pairs > 0) {
        e.d_mae = s.abs / double(s.pairs);
        e.d_rmse = std::sqrt(s.sq / double(s.pairs));
    }
    e.c_rmsd = kabsch_rmsd(predicted, reference);
    return e;
}

GeometrySummary compare_geometries(const std::vector<Structure>& predicted, const std::vector<Structure>& reference) {
    if (predicted.size() != reference.size())
        fail("{} predicted records vs {} reference records (records are paired in order)", predicted.size(),
             reference.size());
    GeometrySummary out;
    double abs_total = 0, sq_total = 0;
    std::size_t pair_total = 0;
    for (std::size_t k = 0; k < predicted.size(); ++k) {
        const Structure& p = predicted[k];
        const Structure& r = reference[k];
        if (p.size() != r.size())
            fail("record {}: {} atoms predicted vs {} in the reference", k + 1, p.size(), r.size());
        for (std::size_t i = 0; i < p.size(); ++i)
            if (p.numbers[i] != r.numbers[i])
                fail("record {}: atom {} is Z={} in the prediction but Z={} in the reference", k + 1, i + 1,
                     p.numbers[i], r.numbers[i]);
        const GeometryErrors e = geometry_errors(p.positions, r.positions);
        out.per_molecule.push_back(e);
        out.d_mae += e.d_mae;
        out.d_rmse += e.d_rmse;
        out.c_rmsd += e.c_rmsd;
        abs_total += e.d_mae * double(e.pairs);
        sq_total += e.d_rmse * e.d_rmse * double(e.pairs);
        pair_total += e.pairs;
    }
    out.n = predicted.size();
    if (out.n > 0) {
        out.d_mae /= double(out.n);
        out.d_rmse /= double(out.n);
        out.c_rmsd /= double(out.n);
    }
    if (pair_total > 0) {
        out.d_mae_pooled = abs_total / double(pair_total);
        out.d_rmse_pooled = std::sqrt(sq_total / double(pair_total));
    }
    return out;
}

}  // namespace adit::metrics
