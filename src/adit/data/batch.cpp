#include "adit/data/batch.hpp"

#include <algorithm>
#include <cmath>

#include "adit/core/error.hpp"

namespace adit::data {

std::array<torch::Tensor*, 7> Batch::tensors() {
    return {&atomic_numbers, &positions, &fractional, &lattice, &mask, &system, &num_atoms};
}

std::array<const torch::Tensor*, 7> Batch::tensors() const {
    return {&atomic_numbers, &positions, &fractional, &lattice, &mask, &system, &num_atoms};
}

Batch Batch::to(const torch::Device& device) const {
    Batch b = *this;
    for (torch::Tensor* t : b.tensors()) *t = t->to(device, /*non_blocking=*/true);
    return b;
}

Batch Batch::to_host() const {
    Batch b = *this;
    for (torch::Tensor* t : b.tensors()) *t = t->to(torch::kCPU);
    return b;
}

Batch zero_batch(std::int64_t B, std::int64_t N) {
    Batch b;
    b.atomic_numbers = torch::zeros({B, N}, torch::kInt64);
    b.positions = torch::zeros({B, N, 3}, torch::kFloat32);
    b.fractional = torch::zeros({B, N, 3}, torch::kFloat32);
    b.lattice = torch::zeros({B, 6}, torch::kFloat32);
    b.mask = torch::zeros({B, N}, torch::kBool);
    b.system = torch::zeros({B}, torch::kInt64);
    b.num_atoms = torch::zeros({B}, torch::kInt64);
    return b;
}

Batch collate(const std::vector<Structure>& structures, const CollateOptions& options,
              const std::vector<std::int64_t>& index) {
    if (!index.empty() && index.size() != structures.size())
        fail("collate: {} indices for {} structures", index.size(), structures.size());
    const auto B = static_cast<std::int64_t>(structures.size());
    std::int64_t N = options.pad_to;
    for (const Structure& s : structures) N = std::max<std::int64_t>(N, static_cast<std::int64_t>(s.size()));

    Batch batch = zero_batch(B, N);
    auto z_a = batch.atomic_numbers.accessor<std::int64_t, 2>();
    auto pos_a = batch.positions.accessor<float, 3>();
    auto frac_a = batch.fractional.accessor<float, 3>();
    auto lat_a = batch.lattice.accessor<float, 2>();
    auto mask_a = batch.mask.accessor<bool, 2>();
    auto sys_a = batch.system.accessor<std::int64_t, 1>();
    auto count_a = batch.num_atoms.accessor<std::int64_t, 1>();

    for (std::int64_t b = 0; b < B; ++b) {
        const Structure& s = structures[b];
        const auto n = static_cast<std::int64_t>(s.size());
        count_a[b] = n;
        sys_a[b] = s.is_periodic() ? kCrystal : kMolecule;
        Eigen::Vector3d shift = Eigen::Vector3d::Zero();
        if (!s.is_periodic() && options.center_molecules && n > 0) {
            for (const auto& r : s.positions) shift += r;
            shift /= static_cast<double>(n);
        }
        std::vector<Eigen::Vector3d> f;
        if (s.is_periodic()) {
            f = s.fractional_positions();
            const LatticeParameters p = s.lattice->parameters();
            const double values[6] = {p.a, p.b, p.c, p.alpha, p.beta, p.gamma};
            for (int k = 0; k < 6; ++k) lat_a[b][k] = static_cast<float>(values[k]);
        }
        for (std::int64_t i = 0; i < n; ++i) {
            z_a[b][i] = s.numbers[i];
            mask_a[b][i] = true;
            for (int k = 0; k < 3; ++k) pos_a[b][i][k] = static_cast<float>(s.positions[i][k] - shift[k]);
            if (s.is_periodic())
                for (int k = 0; k < 3; ++k) {
                    double v = f[i][k];
                    if (options.wrap_fractional) v -= std::floor(v);
                    frac_a[b][i][k] = static_cast<float>(v);
                }
        }
    }
    batch.index = index;
    if (batch.index.empty())
        for (std::int64_t b = 0; b < B; ++b) batch.index.push_back(b);
    return batch;
}

std::vector<Structure> uncollate(const Batch& batch) {
    const Batch cpu = batch.to(torch::kCPU);
    auto z = cpu.atomic_numbers.to(torch::kInt64).contiguous();
    auto pos = cpu.positions.to(torch::kFloat64).contiguous();
    auto frac = cpu.fractional.to(torch::kFloat64).contiguous();
    auto lat = cpu.lattice.to(torch::kFloat64).contiguous();
    auto mask = cpu.mask.to(torch::kBool).contiguous();
    auto sys = cpu.system.to(torch::kInt64).contiguous();
    auto z_a = z.accessor<std::int64_t, 2>();
    auto pos_a = pos.accessor<double, 3>();
    auto frac_a = frac.accessor<double, 3>();
    auto lat_a = lat.accessor<double, 2>();
    auto mask_a = mask.accessor<bool, 2>();
    auto sys_a = sys.accessor<std::int64_t, 1>();

    std::vector<Structure> out;
    for (std::int64_t b = 0; b < z.size(0); ++b) {
        Structure s;
        s.id = std::to_string(b < static_cast<std::int64_t>(cpu.index.size()) ? cpu.index[b] : b);
        const bool crystal = sys_a[b] == kCrystal;
        std::vector<Eigen::Vector3d> f;
        for (std::int64_t i = 0; i < z.size(1); ++i) {
            if (!mask_a[b][i]) continue;
            s.numbers.push_back(static_cast<int>(z_a[b][i]));
            s.positions.emplace_back(pos_a[b][i][0], pos_a[b][i][1], pos_a[b][i][2]);
            f.emplace_back(frac_a[b][i][0], frac_a[b][i][1], frac_a[b][i][2]);
        }
        if (crystal) {
            s.lattice = lattice_from_parameters({lat_a[b][0], lat_a[b][1], lat_a[b][2], lat_a[b][3], lat_a[b][4], lat_a[b][5]});
            s.set_fractional_positions(f);
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace adit::data
