#include "adit/sample/reconstruct.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "adit/core/error.hpp"
#include "adit/core/parallel.hpp"
#include "adit/data/batch.hpp"
#include "adit/metrics/crystal_evaluation.hpp"
#include "adit/metrics/structure_matcher.hpp"

namespace adit::sample {

namespace {

Eigen::Vector3d centroid(const Structure& s) {
    Eigen::Vector3d c = Eigen::Vector3d::Zero();
    for (const auto& p : s.positions) c += p;
    return s.positions.empty() ? c : Eigen::Vector3d(c / double(s.positions.size()));
}

// Molecules are compared in the frame the VAE works in (each one centred), atom by atom.
double centred_rmsd(const Structure& a, const Structure& b) {
    const auto ca = centroid(a), cb = centroid(b);
    double sq = 0;
    for (std::size_t i = 0; i < a.size(); ++i) sq += ((a.positions[i] - ca) - (b.positions[i] - cb)).squaredNorm();
    return a.size() ? std::sqrt(sq / double(a.size())) : 0.0;
}

ReconstructionError compare(const Structure& in, const Structure& out, const metrics::MatcherOptions& matcher) {
    ReconstructionError e;
    e.types_exact = in.numbers == out.numbers;
    if (!in.is_periodic()) {
        e.rmsd = centred_rmsd(in, out);
        return e;
    }
    const auto p = in.lattice->parameters(), q = out.lattice->parameters();
    const double lengths = (std::abs(p.a - q.a) + std::abs(p.b - q.b) + std::abs(p.c - q.c)) / 3;
    const double angles = (std::abs(p.alpha - q.alpha) + std::abs(p.beta - q.beta) + std::abs(p.gamma - q.gamma)) / 3;
    // A degenerate decoded cell has no parameters to compare: it counts as unmatched only.
    if (std::isfinite(lengths) && std::isfinite(angles)) {
        e.length_mae = lengths;
        e.angle_mae = angles;
    }
    e.matched = false;
    try {
        const auto m = metrics::match_structures(in, out, matcher);
        e.matched = m.match;
        if (m.match) e.match_rms = m.rms;
    } catch (const Error&) {
        // A decoded lattice the matcher cannot reduce (singular, non-finite) is a failed match.
    }
    return e;
}

double mean_of(const std::vector<double>& v) {
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

}  // namespace

Reconstruction reconstruct_structures(models::VAEImpl& vae, const std::vector<Structure>& inputs,
                                      std::int64_t batch_size, int threads, const ProgressCallback& progress) {
    if (batch_size <= 0) fail("reconstruction batch size must be positive, not {}", batch_size);
    const auto max_z = vae.options().max_atomic_number;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].size() == 0) fail("structure {} ('{}') has no atoms", i, inputs[i].id);
        for (int z : inputs[i].numbers)
            if (z < 1 || z > max_z) fail("structure {} ('{}'): element Z = {} is outside the VAE's vocabulary (1..{})", i, inputs[i].id, z, max_z);
    }
    torch::NoGradGuard no_grad;
    const auto device = vae.parameters().front().device();
    std::vector<std::size_t> order(inputs.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return inputs[a].size() < inputs[b].size(); });

    Reconstruction r;
    r.structures.resize(inputs.size());
    for (std::size_t start = 0; start < order.size(); start += std::size_t(batch_size)) {
        const auto end = std::min(order.size(), start + std::size_t(batch_size));
        std::vector<Structure> chunk;
        for (auto k = start; k < end; ++k) chunk.push_back(inputs[order[k]]);
        auto batch = data::collate(chunk).to(device);
        const auto mean = vae.encode(batch).first;
        auto out = data::uncollate(vae.decode_to_batch(mean, batch.system, batch.mask).to_host());
        for (auto k = start; k < end; ++k) {
            auto& s = out[k - start];
            const auto& in = inputs[order[k]];
            s.id = in.id;
            s.properties = in.properties;
            r.structures[order[k]] = std::move(s);
        }
        if (progress) progress(end, order.size(), "reconstructing");
    }
    r.errors.resize(inputs.size());
    const metrics::MatcherOptions matcher = metrics::CrystalEvalOptions{}.matcher;
    parallel_for(inputs.size(), threads, [&](std::size_t i) { r.errors[i] = compare(inputs[i], r.structures[i], matcher); });
    return r;
}

ReconstructionSummary summarize(const std::vector<ReconstructionError>& errors, bool crystals) {
    ReconstructionSummary s;
    std::vector<double> rmsd, rms, lengths, angles;
    std::size_t exact = 0, matched = 0;
    for (const auto& e : errors) {
        if (e.matched.has_value() != crystals) continue;
        ++s.count;
        exact += e.types_exact;
        if (e.rmsd) rmsd.push_back(*e.rmsd);
        if (e.matched && *e.matched) ++matched;
        if (e.match_rms) rms.push_back(*e.match_rms);
        if (e.length_mae) lengths.push_back(*e.length_mae);
        if (e.angle_mae) angles.push_back(*e.angle_mae);
    }
    if (s.count == 0) return s;
    s.types_exact = double(exact) / double(s.count);
    s.match_rate = crystals ? double(matched) / double(s.count) : 0.0;
    s.rmsd_mean = mean_of(rmsd);
    if (!rmsd.empty()) {
        std::nth_element(rmsd.begin(), rmsd.begin() + std::ptrdiff_t(rmsd.size() / 2), rmsd.end());
        s.rmsd_median = rmsd[rmsd.size() / 2];
    }
    s.match_rms_mean = mean_of(rms);
    s.length_mae = mean_of(lengths);
    s.angle_mae = mean_of(angles);
    return s;
}

}  // namespace adit::sample
