// Flow-matching samplers (see sampler.hpp). The velocity of the linear interpolant given the
// network's clean estimate is v = (x1_hat - x_t) / (1 - t), as in the ADiT reference.
#include "adit/sample/sampler.hpp"

#include "adit/core/error.hpp"
#include "adit/data/batch.hpp"
#include "adit/nn/device.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace adit::sample {

namespace {

// Guided x1 estimate: uncond + w (cond - uncond), both passes in one batch.
torch::Tensor guided_x1(models::DiTImpl& dit, const torch::Tensor& x, double t, const torch::Tensor& label,
                        const torch::Tensor& mask, const torch::Tensor& sc, double w) {
    const auto B = x.size(0);
    auto tt = torch::full({B}, t, x.options());
    if (w == 1.0) return dit.forward(x, tt, label, mask, sc);
    auto null = torch::full_like(label, dit.options().num_classes);
    if (w == 0.0) return dit.forward(x, tt, null, mask, sc);
    auto out = dit.forward(torch::cat({x, x}), torch::cat({tt, tt}), torch::cat({label, null}), torch::cat({mask, mask}),
                           sc.defined() ? torch::cat({sc, sc}) : sc);
    auto cond = out.narrow(0, 0, B), uncond = out.narrow(0, B, B);
    return uncond + w * (cond - uncond);
}

}  // namespace

double time_at(const SamplerOptions& o, std::int64_t i) {
    const double u = double(i) / double(o.steps);
    return 1.0 - (1.0 - o.t_start) * std::pow(1.0 - u, o.time_power);
}

torch::Tensor sample_latents(models::DiTImpl& dit, const torch::Tensor& label, const torch::Tensor& mask,
                             const SamplerOptions& o) {
    if (o.steps < 1) fail("the sampler needs at least one step");
    if (!(o.time_power > 0.0)) fail("the time grid's power must be > 0, not {}", o.time_power);
    if (o.method != "euler" && o.method != "heun") fail("sampler must be \"euler\" or \"heun\", not \"{}\"", o.method);
    torch::NoGradGuard no_grad;
    nn::AutocastGuard autocast(mask.device(), nn::parse_precision(o.precision));
    auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    auto x = dit.sample_noise(mask);  // the state x stays fp32; network outputs are promoted
    auto x1 = torch::zeros_like(x);  // self-conditioning input: the previous estimate
    for (std::int64_t i = 0; i < o.steps; ++i) {
        const double t = time_at(o, i), t_next = time_at(o, i + 1), dt = t_next - t;
        x1 = guided_x1(dit, x, t, label, mask, dit.options().self_condition ? x1 : torch::Tensor(), o.cfg_scale);
        auto v = (x1 - x) / (1.0 - t);
        if (o.method == "heun" && t_next < 1.0 - 1e-9) {
            auto x_euler = x + dt * v;
            auto x1b = guided_x1(dit, x_euler, t_next, label, mask, dit.options().self_condition ? x1 : torch::Tensor(), o.cfg_scale);
            auto v2 = (x1b - x_euler) / (1.0 - t_next);
            x = x + 0.5 * dt * (v + v2);
        } else {
            x = x + dt * v;
        }
        x = x * maskf;
    }
    return x;
}

std::vector<std::string> remove_degenerate(std::vector<Structure>& structures) {
    std::vector<std::string> removed;
    auto degenerate = [](const Structure& s) {
        for (const auto& p : s.positions)
            if (!p.allFinite()) return true;
        return s.lattice && (!s.lattice->vectors().allFinite() || s.lattice->is_singular());
    };
    std::vector<Structure> kept;
    kept.reserve(structures.size());
    for (auto& s : structures) {
        if (degenerate(s)) removed.push_back(s.id);
        else kept.push_back(std::move(s));
    }
    structures = std::move(kept);
    return removed;
}

std::vector<std::int64_t> draw_atom_counts(const std::vector<double>& histogram, std::int64_t n) {
    double total = 0;
    for (double h : histogram) total += h;
    if (total <= 0) fail("the model saw no training structures of this system: no atom-count histogram");
    auto probs = torch::tensor(histogram, torch::kFloat64);
    auto draws = torch::multinomial(probs, n, /*replacement=*/true);
    return std::vector<std::int64_t>(draws.data_ptr<std::int64_t>(), draws.data_ptr<std::int64_t>() + n);
}

std::vector<Structure> sample_structures(models::LoadedDiT& model, const std::string& system, std::int64_t n,
                                         const SamplerOptions& o, const ProgressCallback& progress) {
    if (system != "molecule" && system != "crystal") fail("system must be \"molecule\" or \"crystal\", not \"{}\"", system);
    const std::int64_t label = system == "crystal" ? data::kCrystal : data::kMolecule;
    std::vector<std::int64_t> counts;
    if (o.fixed_atoms > 0) counts.assign(std::size_t(n), o.fixed_atoms);
    else counts = draw_atom_counts(model.metadata.at("atom_count_histogram").at(system).get<std::vector<double>>(), n);
    // Sorted sizes: each batch pads to the largest of similar counts, not of a random draw.
    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
    std::vector<Structure> out(counts.size());
    const double scale = model.model->latent_scale();
    const auto device = model.model->parameters().front().device();
    for (std::int64_t start = 0; start < n; start += o.batch_size) {
        const auto B = std::min(o.batch_size, n - start);
        std::vector<std::int64_t> sizes(static_cast<std::size_t>(B), 0);
        for (std::int64_t i = 0; i < B; ++i) sizes[std::size_t(i)] = counts[order[std::size_t(start + i)]];
        const std::int64_t N = *std::max_element(sizes.begin(), sizes.end());
        // One host-to-device copy of the sizes; the mask is built on the device.
        auto n_atoms = torch::tensor(sizes, torch::kInt64).to(device);
        auto mask = torch::arange(N, torch::TensorOptions().dtype(torch::kInt64).device(device)).unsqueeze(0) <
                    n_atoms.unsqueeze(1);
        auto labels = torch::full({B}, label, torch::TensorOptions().dtype(torch::kInt64).device(device));
        auto z = sample_latents(*model.model, labels, mask, o) * scale;
        // Decoding runs in fp32 (coordinates need more than bf16's 8 bits) and is cheap next to
        // the 2 x steps DiT passes.
        auto decoded = model.vae->decode_to_batch(z.to(torch::kFloat32), labels, mask);
        for (torch::Tensor* t : {&decoded.atomic_numbers, &decoded.positions, &decoded.fractional, &decoded.lattice,
                                 &decoded.mask, &decoded.system, &decoded.num_atoms})
            *t = t->to(torch::kCPU);  // the batch's device-to-host copies (blocking), once per batch
        auto structures = data::uncollate(decoded);
        for (std::int64_t i = 0; i < B; ++i) {
            const auto k = order[std::size_t(start + i)];
            auto& s = structures[std::size_t(i)];
            s.id = fmt::format("adit-{}-{}", system, k);
            s.properties.set("system", system);
            s.properties.set("sampling_steps", double(o.steps));
            s.properties.set("cfg_scale", o.cfg_scale);
            out[k] = std::move(s);
        }
        if (progress) progress(std::size_t(start + B), std::size_t(n), "sampling");
    }
    return out;
}

}  // namespace adit::sample
