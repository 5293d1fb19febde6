// Flow-matching samplers (see sampler.hpp). The velocity of the linear interpolant given the
// network's clean estimate is v = (x1_hat - x_t) / (1 - t), as in the ADiT reference.
#include "adit/sample/sampler.hpp"

#include "adit/core/error.hpp"
#include "adit/data/batch.hpp"
#include "adit/models/dit_inference.hpp"
#include "adit/nn/cpu_threads.hpp"
#include "adit/nn/cuda_graph.hpp"
#include "adit/nn/device.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>

namespace adit::sample {

namespace {

void validate(const SamplerOptions& o) {
    if (o.steps < 1) fail("the sampler needs at least one step");
    if (!(o.time_power > 0.0)) fail("the time grid's power must be > 0, not {}", o.time_power);
    if (o.method != "euler" && o.method != "heun") fail("sampler must be \"euler\" or \"heun\", not \"{}\"", o.method);
    if (o.engine != "fast" && o.engine != "module") fail("sampler engine must be \"fast\" or \"module\", not \"{}\"", o.engine);
    if (!(o.guidance_until > 0.0 && o.guidance_until <= 1.0)) fail("guidance_until must be in (0, 1], not {}", o.guidance_until);
    if (o.refine < -1) fail("refinement passes must be >= 0 (or -1: the system's default), not {}", o.refine);
    if (!(o.refine_time > 0.0 && o.refine_time < 1.0)) fail("refine_time must be in (0, 1), not {}", o.refine_time);
    if (!(o.temperature > 0.0 && o.temperature <= 1.0)) fail("the noise temperature must be in (0, 1], not {}", o.temperature);
}

// Whether the step starting at t runs the guided pair: any w but 0 and 1 (which need one pass),
// and t below guidance_until.
bool guided_at(const SamplerOptions& o, double t) {
    return o.cfg_scale != 1.0 && o.cfg_scale != 0.0 && t < o.guidance_until;
}

// The weight the module engine gives a step starting at t: w where guided (or 0, which needs
// the unconditional pass), otherwise 1 (the conditional pass alone).
double guidance_weight(const SamplerOptions& o, double t) {
    return guided_at(o, t) || o.cfg_scale == 0.0 ? o.cfg_scale : 1.0;
}

// The "module" engine. Guided x1 estimate: uncond + w (cond - uncond), both passes in one batch.
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

torch::Tensor integrate_module(models::DiTImpl& dit, const torch::Tensor& label, const torch::Tensor& mask,
                               torch::Tensor x, const SamplerOptions& o) {
    nn::AutocastGuard autocast(mask.device(), nn::parse_precision(o.precision));
    auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    auto x1 = torch::zeros_like(x);  // self-conditioning input: the previous estimate
    for (std::int64_t i = 0; i < o.steps; ++i) {
        const double t = time_at(o, i), t_next = time_at(o, i + 1), dt = t_next - t;
        const double w = guidance_weight(o, t);
        x1 = guided_x1(dit, x, t, label, mask, dit.options().self_condition ? x1 : torch::Tensor(), w);
        auto v = (x1 - x) / (1.0 - t);
        if (o.method == "heun" && t_next < 1.0 - 1e-9) {
            auto x_euler = x + dt * v;
            auto x1b = guided_x1(dit, x_euler, t_next, label, mask, dit.options().self_condition ? x1 : torch::Tensor(), w);
            auto v2 = (x1b - x_euler) / (1.0 - t_next);
            x = x + 0.5 * dt * (v + v2);
        } else {
            x = x + dt * v;
        }
        x = x * maskf;
    }
    // Refinement: the Euler step from refine_time to 1 lands on the estimate itself.
    for (std::int64_t i = 0; i < o.refine; ++i) {
        x1 = guided_x1(dit, x, o.refine_time, label, mask, dit.options().self_condition ? x1 : torch::Tensor(),
                       guidance_weight(o, o.refine_time));
        x = x1 * maskf;
    }
    return x;
}

// The "fast" engine: the same integration with the inference form of the network. The state
// (x, the self-conditioning estimate x1) lives in fixed tensors updated in place and the step's
// scalars are read from a device tensor, so one Euler step has fixed shapes and addresses and is
// captured once per batch as a CUDA graph on a GPU.
torch::Tensor integrate_fast(const models::DiTInference& net, const torch::Tensor& label, const torch::Tensor& mask,
                             torch::Tensor x, const SamplerOptions& o) {
    const auto B = mask.size(0);
    const auto device = mask.device();
    const double w = o.cfg_scale;
    const bool self_condition = net.options().self_condition;
    // Two forms of a step: the guided pair (conditional + unconditional in one batch) and one
    // pass (conditional, or unconditional for w = 0), used outside the guidance interval.
    struct Form {
        bool guided;
        torch::Tensor labels, masks, attention_mask;
    };
    const auto null = torch::full_like(label, net.options().num_classes);
    const auto pair_masks = torch::cat({mask, mask});
    const Form pair{true, torch::cat({label, null}), pair_masks, net.attention_mask(pair_masks)};
    const Form single{false, w == 0.0 ? null : label, mask, net.attention_mask(mask)};
    const auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    auto x1 = torch::zeros_like(x);
    // Per step: t, dt, 1 / (1 - t), t_next, 1 / (1 - t_next) (the last two for Heun). The
    // refinement passes follow as Euler steps from refine_time to 1.
    std::vector<double> starts;
    std::vector<float> grid;
    auto add_step = [&](double t, double t_next) {
        starts.push_back(t);
        for (double v : {t, t_next - t, 1.0 / (1.0 - t), t_next, t_next < 1.0 ? 1.0 / (1.0 - t_next) : 0.0})
            grid.push_back(float(v));
    };
    for (std::int64_t i = 0; i < o.steps; ++i) add_step(time_at(o, i), time_at(o, i + 1));
    for (std::int64_t i = 0; i < o.refine; ++i) add_step(o.refine_time, 1.0);
    const auto rows = std::int64_t(starts.size());
    const auto schedule = torch::tensor(grid).view({rows, 5}).to(device);
    auto now = torch::empty({5}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
    auto estimate = [&](const Form& f, const torch::Tensor& xs, std::int64_t t_column) {
        auto tt = now.narrow(0, t_column, 1).expand({f.labels.size(0)});
        auto in = f.guided ? torch::cat({xs, xs}) : xs;
        auto sc = self_condition ? (f.guided ? torch::cat({x1, x1}) : x1) : torch::Tensor();
        auto out = net.forward_masked(in, tt, f.labels, f.masks, f.attention_mask, sc).to(torch::kFloat32);
        return f.guided ? torch::lerp(out.narrow(0, B, B), out.narrow(0, 0, B), w) : out;
    };
    auto euler = [&](const Form& f) {
        auto est = estimate(f, x, 0);
        x.add_((est - x) * (now.narrow(0, 1, 1) * now.narrow(0, 2, 1))).mul_(maskf);
        x1.copy_(est);
    };
    auto heun = [&](const Form& f) {
        auto est = estimate(f, x, 0);
        auto v = (est - x) * now.narrow(0, 2, 1);
        auto x_euler = x + v * now.narrow(0, 1, 1);
        x1.copy_(est);
        auto v2 = (estimate(f, x_euler, 3) - x_euler) * now.narrow(0, 4, 1);
        x.add_((v + v2) * (0.5 * now.narrow(0, 1, 1))).mul_(maskf);
    };
    // On a GPU each form's Euler step is captured once, when first needed (the capture's warm-up
    // really runs the step, so the state is put back), and replayed for every step of that form.
    const bool graphs = device.is_cuda() && nn::cuda_graphs_available() && o.method == "euler";
    std::unique_ptr<nn::CudaGraph> graph[2];
    for (std::int64_t i = 0; i < rows; ++i) {
        now.copy_(schedule[i]);
        const Form& f = guided_at(o, starts[std::size_t(i)]) ? pair : single;
        if (graphs) {
            auto& g = graph[f.guided ? 1 : 0];
            if (!g) {
                const auto x_saved = x.clone(), x1_saved = x1.clone();
                g = std::make_unique<nn::CudaGraph>([&] { euler(f); }, /*warmup=*/1);
                x.copy_(x_saved);
                x1.copy_(x1_saved);
            }
            g->replay();
        } else if (o.method == "heun" && i + 1 < o.steps) {  // Heun's last step (to t = 1) and refinement: Euler
            heun(f);
        } else {
            euler(f);
        }
    }
    return x;
}

// What the engine runs: for "fast", the network's inference form (bf16 only on CUDA), built once
// per sampling call; for "module", nothing beyond the module itself.
std::optional<models::DiTInference> inference_form(models::DiTImpl& dit, const torch::Device& device,
                                                   const SamplerOptions& o) {
    if (o.engine != "fast") return std::nullopt;
    const bool bf16 = device.is_cuda() && nn::parse_precision(o.precision) == nn::Precision::bf16;
    return models::DiTInference(dit, bf16 ? torch::kBFloat16 : torch::kFloat32, o.attention);
}

// The noise x0 for `mask` (drawn from N(0, I), scaled here by the temperature), integrated by
// the engine `fast` stands for.
torch::Tensor integrate(models::DiTImpl& dit, const std::optional<models::DiTInference>& fast, const torch::Tensor& label,
                        const torch::Tensor& mask, const torch::Tensor& x0, const SamplerOptions& o) {
    torch::NoGradGuard no_grad;
    const auto start = x0 * o.temperature;
    return fast ? integrate_fast(*fast, label, mask, start, o) : integrate_module(dit, label, mask, start, o);
}

}  // namespace

std::int64_t refine_passes(const SamplerOptions& o, const std::string& system) {
    if (o.refine >= 0) return o.refine;
    return system == "molecule" ? kMoleculeRefinePasses : 0;
}

double time_at(const SamplerOptions& o, std::int64_t i) {
    const double u = double(i) / double(o.steps);
    return 1.0 - (1.0 - o.t_start) * std::pow(1.0 - u, o.time_power);
}

torch::Tensor sample_latents(models::DiTImpl& dit, const torch::Tensor& label, const torch::Tensor& mask,
                             const SamplerOptions& options) {
    validate(options);
    auto o = options;
    o.refine = std::max<std::int64_t>(o.refine, 0);
    return integrate(dit, inference_form(dit, mask.device(), o), label, mask, dit.sample_noise(mask), o);
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
                                         const SamplerOptions& options, const ProgressCallback& progress) {
    if (system != "molecule" && system != "crystal") fail("system must be \"molecule\" or \"crystal\", not \"{}\"", system);
    validate(options);
    auto o = options;
    o.refine = refine_passes(options, system);
    const std::int64_t label = system == "crystal" ? data::kCrystal : data::kMolecule;
    std::vector<std::int64_t> counts;
    if (o.fixed_atoms > 0) counts.assign(std::size_t(n), o.fixed_atoms);
    else counts = draw_atom_counts(model.metadata.at("atom_count_histogram").at(system).get<std::vector<double>>(), n);
    const double scale = model.model->latent_scale();
    const auto device = model.model->parameters().front().device();
    const auto fast = inference_form(*model.model, device, o);
    // Counts sorted, then cut into batches. On the CPU every token costs its FLOPs: a batch holds
    // one atom count (cut where the count changes or the batch is full), nothing is padded and
    // attention runs unmasked. A GPU wants full batches instead: batch_size consecutive counts,
    // padded to the largest, which is little padding once thousands are sorted (10,000 samples
    // on an H100: 14.7 s this way, 15.5 s in batches of one count).
    const bool one_count_per_batch = !device.is_cuda();
    std::vector<std::size_t> order(counts.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
    std::vector<std::pair<std::int64_t, std::int64_t>> batches;  // (start in `order`, size)
    for (std::int64_t start = 0; start < n;) {
        std::int64_t B = 1;
        while (start + B < n && B < o.batch_size &&
               (!one_count_per_batch || counts[order[std::size_t(start + B)]] == counts[order[std::size_t(start)]]))
            ++B;
        batches.emplace_back(start, B);
        start += B;
    }
    // Every batch's noise is drawn here, in batch order, from the global generator, so that a
    // seed gives the same samples however the batches are spread over threads.
    struct Piece {
        std::int64_t start, size;
        torch::Tensor mask, labels, noise;
    };
    std::vector<Piece> pieces;
    for (const auto& [start, B] : batches) {
        std::vector<std::int64_t> sizes(static_cast<std::size_t>(B), 0);
        for (std::int64_t i = 0; i < B; ++i) sizes[std::size_t(i)] = counts[order[std::size_t(start + i)]];
        const std::int64_t N = sizes.back();  // the largest: counts are sorted
        // One host-to-device copy of the sizes; the mask is built on the device.
        auto n_atoms = torch::tensor(sizes, torch::kInt64).to(device);
        auto mask = torch::arange(N, torch::TensorOptions().dtype(torch::kInt64).device(device)).unsqueeze(0) <
                    n_atoms.unsqueeze(1);
        Piece p{start, B, mask, torch::full({B}, label, torch::TensorOptions().dtype(torch::kInt64).device(device)), {}};
        p.noise = model.model->sample_noise(p.mask);
        pieces.push_back(std::move(p));
    }
    // Largest batches first, so that no thread is left with a big one at the end.
    std::vector<std::size_t> schedule(pieces.size());
    std::iota(schedule.begin(), schedule.end(), std::size_t(0));
    std::stable_sort(schedule.begin(), schedule.end(),
                     [&](std::size_t a, std::size_t b) { return pieces[a].mask.numel() > pieces[b].mask.numel(); });
    std::vector<Structure> out(counts.size());
    std::mutex progress_mutex;
    std::size_t done = 0;
    auto run = [&](std::size_t turn) {
        const auto& p = pieces[schedule[turn]];
        auto z = integrate(*model.model, fast, p.labels, p.mask, p.noise, o) * scale;
        // Decoding runs in fp32 (coordinates need more than bf16's 8 bits) and is cheap next to
        // the 2 x steps DiT passes.
        // The batch's device-to-host copies, once per batch.
        auto structures = data::uncollate(model.vae->decode_to_batch(z.to(torch::kFloat32), p.labels, p.mask).to_host());
        for (std::int64_t i = 0; i < p.size; ++i) {
            const auto k = order[std::size_t(p.start + i)];
            auto& s = structures[std::size_t(i)];
            s.id = fmt::format("adit-{}-{}", system, k);
            s.properties.set("system", system);
            s.properties.set("sampling_steps", double(o.steps));
            s.properties.set("cfg_scale", o.cfg_scale);
            out[k] = std::move(s);
        }
        std::lock_guard<std::mutex> lock(progress_mutex);
        done += std::size_t(p.size);
        if (progress) progress(done, std::size_t(n), "sampling");
    };
    // On the CPU the batches run side by side, one per thread (nn/cpu_threads.hpp); a GPU takes
    // them one after the other, each filling it.
    if (device.is_cpu()) nn::parallel_pieces(pieces.size(), o.threads, run);
    else
        for (std::size_t k = 0; k < pieces.size(); ++k) run(k);
    return out;
}

}  // namespace adit::sample
