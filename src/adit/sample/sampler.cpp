// Flow-matching samplers (see sampler.hpp). The velocity of the linear interpolant given the
// network's clean estimate is v = (x1_hat - x_t) / (1 - t), as in the ADiT reference.
#include "adit/sample/sampler.hpp"

#include "adit/core/error.hpp"
#include "adit/data/batch.hpp"

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
                           torch::cat({sc, sc}));
    auto cond = out.narrow(0, 0, B), uncond = out.narrow(0, B, B);
    return uncond + w * (cond - uncond);
}

}  // namespace

torch::Tensor sample_latents(models::DiTImpl& dit, const torch::Tensor& label, const torch::Tensor& mask,
                             const SamplerOptions& o) {
    if (o.steps < 1) fail("the sampler needs at least one step");
    if (o.method != "euler" && o.method != "heun") fail("sampler must be \"euler\" or \"heun\", not \"{}\"", o.method);
    torch::NoGradGuard no_grad;
    auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    auto x = dit.sample_noise(mask);
    auto x1 = torch::zeros_like(x);  // self-conditioning input: the previous estimate
    const double dt = (1.0 - o.t_start) / double(o.steps);
    for (std::int64_t i = 0; i < o.steps; ++i) {
        const double t = o.t_start + double(i) * dt, t_next = t + dt;
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
    std::vector<Structure> out;
    const double scale = model.model->latent_scale();
    for (std::int64_t start = 0; start < n; start += o.batch_size) {
        const auto B = std::min(o.batch_size, n - start);
        std::int64_t N = 0;
        for (std::int64_t i = 0; i < B; ++i) N = std::max(N, counts[std::size_t(start + i)]);
        auto mask = torch::zeros({B, N}, torch::kBool);
        for (std::int64_t i = 0; i < B; ++i) mask[i].slice(0, 0, counts[std::size_t(start + i)]) = true;
        auto labels = torch::full({B}, label, torch::kInt64);
        auto z = sample_latents(*model.model, labels, mask, o) * scale;
        auto decoded = model.vae->decode_to_batch(z, labels, mask);
        for (auto& s : data::uncollate(decoded)) {
            s.id = fmt::format("adit-{}-{}", system, out.size());
            s.properties.set("system", system);
            s.properties.set("sampling_steps", double(o.steps));
            s.properties.set("cfg_scale", o.cfg_scale);
            out.push_back(std::move(s));
        }
        if (progress) progress(std::size_t(start + B), std::size_t(n), "sampling");
    }
    return out;
}

}  // namespace adit::sample
