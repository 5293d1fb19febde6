#include "adit/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "adit/core/error.hpp"

namespace adit::data {

Dataset::Dataset(PreparedData data, std::string path) : data_(std::move(data)), path_(std::move(path)) {
    data_.check();
    for (std::int64_t i = 0; i < data_.size(); ++i) max_atoms_ = std::max(max_atoms_, data_.num_atoms(i));
}

std::shared_ptr<const Dataset> Dataset::open(const std::string& path) {
    return std::make_shared<const Dataset>(read_prepared(path), path);
}

const std::vector<std::int64_t>& Dataset::indices(Split split) const { return data_.split(split); }

std::vector<std::int64_t> Dataset::all_indices() const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(size()));
    std::iota(out.begin(), out.end(), 0);
    return out;
}

void random_rotation(double u1, double u2, double u3, double r[9]) {
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    const double s1 = std::sqrt(1 - u1), s2 = std::sqrt(u1);
    const double w = s1 * std::sin(kTwoPi * u2), x = s1 * std::cos(kTwoPi * u2);
    const double y = s2 * std::sin(kTwoPi * u3), z = s2 * std::cos(kTwoPi * u3);
    r[0] = 1 - 2 * (y * y + z * z), r[1] = 2 * (x * y - z * w), r[2] = 2 * (x * z + y * w);
    r[3] = 2 * (x * y + z * w), r[4] = 1 - 2 * (x * x + z * z), r[5] = 2 * (y * z - x * w);
    r[6] = 2 * (x * z - y * w), r[7] = 2 * (y * z + x * w), r[8] = 1 - 2 * (x * x + y * y);
}

Batch collate_items(const std::vector<BatchItem>& items, const CollateOptions& options) {
    const auto B = static_cast<std::int64_t>(items.size());
    std::int64_t N = options.pad_to;
    for (const BatchItem& it : items) {
        if (!it.dataset) fail("collate_items: item without a dataset");
        if (it.index < 0 || it.index >= it.dataset->size())
            fail("collate_items: index {} outside a dataset of {}", it.index, it.dataset->size());
        N = std::max(N, it.dataset->data().num_atoms(it.index));
    }
    Batch batch = zero_batch(B, N);
    std::int64_t* z_p = batch.atomic_numbers.data_ptr<std::int64_t>();
    float* pos_p = batch.positions.data_ptr<float>();
    float* frac_p = batch.fractional.data_ptr<float>();
    float* lat_p = batch.lattice.data_ptr<float>();
    bool* mask_p = batch.mask.data_ptr<bool>();
    std::int64_t* sys_p = batch.system.data_ptr<std::int64_t>();
    std::int64_t* count_p = batch.num_atoms.data_ptr<std::int64_t>();
    std::vector<std::int64_t>& index = batch.index;
    index.resize(items.size());

    for (std::int64_t b = 0; b < B; ++b) {
        const BatchItem& it = items[b];
        const PreparedData& d = it.dataset->data();
        const std::int64_t first = d.offset[it.index];
        const std::int64_t n = d.offset[it.index + 1] - first;
        const float* src = d.pos.data() + 3 * first;
        const std::uint8_t* zs = d.z.data() + first;
        index[b] = it.index;
        count_p[b] = n;
        const bool crystal = d.is_crystal(it.index);
        sys_p[b] = crystal ? kCrystal : kMolecule;
        for (std::int64_t i = 0; i < n; ++i) {
            z_p[b * N + i] = zs[i];
            mask_p[b * N + i] = true;
        }
        float* out = pos_p + 3 * b * N;
        if (!crystal) {
            double c[3] = {0, 0, 0};
            if (options.center_molecules && n > 0) {
                for (std::int64_t i = 0; i < n; ++i)
                    for (int k = 0; k < 3; ++k) c[k] += src[3 * i + k];
                for (double& v : c) v /= static_cast<double>(n);
            }
            const double* R = it.rotation;
            for (std::int64_t i = 0; i < n; ++i) {
                const double x = src[3 * i] - c[0], y = src[3 * i + 1] - c[1], w = src[3 * i + 2] - c[2];
                if (it.rotate) {
                    out[3 * i] = static_cast<float>(R[0] * x + R[1] * y + R[2] * w);
                    out[3 * i + 1] = static_cast<float>(R[3] * x + R[4] * y + R[5] * w);
                    out[3 * i + 2] = static_cast<float>(R[6] * x + R[7] * y + R[8] * w);
                } else {
                    out[3 * i] = static_cast<float>(x), out[3 * i + 1] = static_cast<float>(y), out[3 * i + 2] = static_cast<float>(w);
                }
            }
            continue;
        }
        // Crystal: Cartesian positions as stored, fractional through the inverse cell (as Structure does).
        Eigen::Matrix3d m;
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) m(r, c) = d.lattice[9 * it.index + 3 * r + c];
        const Lattice cell(m);
        const LatticeParameters p = cell.parameters();
        const double values[6] = {p.a, p.b, p.c, p.alpha, p.beta, p.gamma};
        for (int k = 0; k < 6; ++k) lat_p[6 * b + k] = static_cast<float>(values[k]);
        float* fout = frac_p + 3 * b * N;
        for (std::int64_t i = 0; i < n; ++i) {
            const Eigen::Vector3d r(src[3 * i], src[3 * i + 1], src[3 * i + 2]);
            const Eigen::Vector3d f = cell.to_fractional(r);
            for (int k = 0; k < 3; ++k) {
                out[3 * i + k] = src[3 * i + k];
                double v = f[k];
                if (options.wrap_fractional) v -= std::floor(v);
                fout[3 * i + k] = static_cast<float>(v);
            }
        }
    }
    return batch;
}

}  // namespace adit::data
