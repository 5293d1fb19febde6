// Sampling from a trained latent DiT: Euler or Heun integration of the flow-matching ODE
// from t = t_start to 1 with classifier-free guidance on the system label, then a few refinement
// passes at the data end, the atom count of each sample drawn from the training histogram of its
// system, then VAE decoding. All samples of a batch are integrated together on the model's device.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "adit/models/checkpoint.hpp"

namespace adit::sample {

struct SamplerOptions {
    // 32 steps on the time grid below (power 2.5), then the refinement passes: on the shipped
    // 8-layer DiT-XS, two seeds, the molecules of 40 steps + refinement (85.8 against 86.0 %
    // valid) for 81 % of the network passes, which keeps `adit sample -n 100` under 10 s on two
    // cores (docs/BENCHMARKS.md, session 10; session 8 chose 40 at power 2.5 over 50 at power 2).
    std::int64_t steps = 32;
    double cfg_scale = 2.0;         // 1 = conditional only; 0 = unconditional
    // Guidance applies to the steps that start before this time; later steps (the data end,
    // where the estimate has settled) run the conditional pass alone, at half the cost. 1 = all.
    // 0.99: the last steps of the grid (4 of the default 32) and the refinement passes run
    // unguided. On the shipped 8-layer DiT-XS, two seeds: 87.6 % valid molecules against 85.8 %
    // with every step guided, 85.1 % valid + connected against 82.6 %, crystals level (92.7
    // against 93.0 % structurally valid). The 6-layer MASA twin prefers 1 (75.3 against 71.2 %
    // valid molecules): docs/BENCHMARKS.md, session 10.
    double guidance_until = 0.99;
    std::string method = "euler";   // "euler" | "heun"
    double t_start = 0.01;
    // Time grid t_i = 1 - (1 - t_start) (1 - i / steps)^time_power: 1 is uniform; above 1 the
    // steps shrink towards the data end (t = 1), where the atoms' fine positions are settled.
    double time_power = 2.5;
    // Refinement passes after the grid reaches t = 1: each replaces the latents by the network's
    // clean estimate of them read as the state at refine_time, a nearly noise-free step that
    // corrects atoms left a little too close. 0 = the plain ODE integration. -1 = the system's
    // default (refine_passes below): molecules 3 (on the shipped DiT-XS 1.8 points more valid
    // molecules over three seeds, every seed better; 10 passes drift and split molecules), crystals
    // none (3 passes cost 1-3 points of structural validity: they pull close atoms onto one site);
    // docs/BENCHMARKS.md, session 10. sample_latents, which knows no system, runs none for -1.
    std::int64_t refine = -1;
    double refine_time = 0.999;
    // The starting noise is temperature x N(0, I). Below 1 the samples start nearer the centre of
    // the noise distribution: more of them valid, but a different chemistry. On the shipped DiT-XS
    // (three seeds) 0.5 gives 92.4 % valid molecules against 87.5 % at 1, uniqueness and novelty
    // kept, but oxygen falls from 14.6 to 7.5-8 % of the heavy atoms (QM9: 16 %) and crystals lose
    // 1.5-2.5 points of structural validity (docs/BENCHMARKS.md, session 11). The default samples
    // the learned distribution itself.
    double temperature = 1.0;
    std::int64_t batch_size = 256;  // at most this many samples per batch (CPU: all of one atom count)
    std::int64_t fixed_atoms = 0;   // > 0: every sample has this many atoms
    std::string precision = "fp32"; // "fp32" | "bf16" (CUDA only; the ODE state stays fp32)
    // "fast": the network's inference form (models/dit_inference.hpp: weights cast once, bf16
    // activations for bf16, fused kernels) with each Euler step replayed as a CUDA graph on a GPU;
    // "module": the training module's forward under autocast, step by step (the reference).
    std::string engine = "fast";
    // The fast engine's attention: "fused" or "explicit" (models/dit_inference.hpp; a benchmark knob).
    std::string attention = "fused";
    // CPU only: batches integrated side by side, one per thread (0: one per core).
    int threads = 0;
};

// The sampler's i-th time point (i = 0 .. steps): t_start at 0, exactly 1 at steps.
double time_at(const SamplerOptions& options, std::int64_t i);

constexpr std::int64_t kMoleculeRefinePasses = 3;

// The refinement passes `options` asks for, for system "molecule" or "crystal" (-1 resolved).
std::int64_t refine_passes(const SamplerOptions& options, const std::string& system);

// Integrates latents for `label` [B] with real atoms `mask` [B, N]; returns normalised x1 [B, N, C].
torch::Tensor sample_latents(models::DiTImpl& dit, const torch::Tensor& label, const torch::Tensor& mask,
                             const SamplerOptions& options);

// n atom counts drawn from a histogram (count of structures with k atoms at index k), with the
// global torch generator. Throws if the histogram is empty.
std::vector<std::int64_t> draw_atom_counts(const std::vector<double>& histogram, std::int64_t n);

// Removes the samples no structure file can hold (a non-finite coordinate, or a crystal whose
// decoded lattice is singular or non-finite) and returns their ids, so that one degenerate sample
// is reported instead of failing the whole run. Callers count them as invalid.
std::vector<std::string> remove_degenerate(std::vector<Structure>& structures);

// system: "molecule" | "crystal". Each structure carries properties "system" and "sampling_steps".
// Runs on the device of model.model and model.vae (move both there first). Samples are grouped
// into batches of one atom count on the CPU (nothing padded) and of batch_size sorted counts on a
// GPU (padded to the largest); at most batch_size each. Each batch is
// integrated and decoded on the device and copied to the host once. The output keeps the order
// of the drawn counts.
std::vector<Structure> sample_structures(models::LoadedDiT& model, const std::string& system, std::int64_t n,
                                         const SamplerOptions& options, const ProgressCallback& progress = {});

}  // namespace adit::sample
