// adit sample: draws structures from a trained DiT checkpoint (which embeds its VAE); without
// --model, from the shipped joint QM9 + MP-20 model (models/dit-xs-joint.pt).
//   adit sample [--model DIT.pt] --system molecule|crystal -n N --out FILE
// FILE: .xyz, .extxyz, .sdf (molecules), .cif (crystals; --symmetrize), .h5 (adit's HDF5 layout,
// for `adit eval`/`adit info`), or a directory (one file per structure; --format). Every sample
// carries system, step count, cfg, seed, sampler and model (sample/output.hpp).
#include <torch/torch.h>

#include <fmt/ranges.h>

#include <iostream>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/shipped_models.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/nn/device.hpp"
#include "adit/sample/output.hpp"
#include "adit/sample/sampler.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {
const char* const kShippedDiT = "dit-xs-joint.pt";
}  // namespace

Command register_sample(CLI::App& parent, const GlobalOptions& global) {
    auto* app = parent.add_subcommand("sample", "Sample molecules or crystals from a trained model");
    struct Args {
        std::string model, system, out, format;
        std::int64_t n = 0;
        bool symmetrize = false, raw = false;
        sample::SamplerOptions sampler;
    };
    auto a = std::make_shared<Args>();
    app->add_option("--model", a->model, fmt::format("DiT checkpoint (default: the shipped {})", kShippedDiT))
        ->check(CLI::ExistingFile);
    app->add_option("--system", a->system, "molecule or crystal")->required()->check(CLI::IsMember({"molecule", "crystal"}));
    app->add_option("-n", a->n, "number of structures")->required()->check(CLI::PositiveNumber);
    app->add_option("--out", a->out, "output: .xyz, .extxyz, .sdf, .cif, .h5, or a directory (one file per structure)")->required();
    app->add_option("--format", a->format, "file format in an --out directory (default: xyz for molecules, cif for crystals)")
        ->check(CLI::IsMember({"xyz", "extxyz", "sdf", "cif", "pdb"}));
    app->add_option("--steps", a->sampler.steps, "integration steps (default 32)")->check(CLI::PositiveNumber);
    app->add_option("--cfg", a->sampler.cfg_scale, "classifier-free guidance scale (default 2.0)");
    app->add_option("--guidance-until", a->sampler.guidance_until,
                    "apply guidance to the steps starting before this time only; later ones (and the refinement passes) run the "
                    "conditional pass alone (default 0.99; 1: every step)")
        ->check(CLI::Range(0.0, 1.0));
    app->add_option("--time-power", a->sampler.time_power,
                    "time grid t_i = 1 - (1 - t0)(1 - i/steps)^P; 1 is uniform, P > 1 takes smaller steps near the data end (default 2.5)")
        ->check(CLI::PositiveNumber);
    app->add_option("--refine", a->sampler.refine,
                    "refinement passes after the integration: the network's clean estimate read at --refine-time, "
                    "correcting atoms left too close (default: 3 for molecules, 0 for crystals; 0: the plain ODE)")
        ->check(CLI::NonNegativeNumber);
    app->add_option("--refine-time", a->sampler.refine_time, "the time the refinement passes read the latents at (default 0.999)")
        ->check(CLI::Range(0.5, 0.99999));
    app->add_option("--temperature", a->sampler.temperature,
                    "scale of the starting noise, in (0, 1]: lower gives more valid molecules but fewer "
                    "oxygens (0.5: +5 points valid, half the oxygen; default 1, the learned distribution)")
        ->check(CLI::Range(0.0, 1.0));
    app->add_option("--sampler", a->sampler.method, "euler or heun")->check(CLI::IsMember({"euler", "heun"}));
    app->add_option("--atoms", a->sampler.fixed_atoms, "fix the number of atoms of every sample")->check(CLI::PositiveNumber);
    app->add_option("--batch", a->sampler.batch_size, "samples integrated together (default 256)")->check(CLI::PositiveNumber);
    app->add_option("--engine", a->sampler.engine,
                    "fast (inference form of the network, CUDA graphs on a GPU; default) or module "
                    "(the training module's forward: the reference)")
        ->check(CLI::IsMember({"fast", "module"}));
    app->add_flag("--symmetrize", a->symmetrize, "CIF: find and write the space group");
    app->add_flag("--raw-weights", a->raw, "use the raw instead of the EMA weights");

    Command c;
    c.app = app;
    c.run = [a, &global]() {
        return guarded("sample", [&]() {
            const auto device = nn::parse_device(global.device);
            if (global.threads > 0) torch::set_num_threads(global.threads);
            torch::manual_seed(global.seed);
            if (a->model.empty()) a->model = shipped_model_path(kShippedDiT);
            auto model = models::load_dit(a->model, !a->raw);
            model.model->to(device);
            model.vae->to(device);
            if (!global.precision.empty()) a->sampler.precision = global.precision;
            a->sampler.threads = global.threads;
            auto structures = sample::sample_structures(model, a->system, a->n, a->sampler);
            const auto degenerate = sample::remove_degenerate(structures);
            if (!degenerate.empty())
                log_warn("{} of {} sampled {}s decoded to a degenerate structure (singular lattice or non-finite "
                         "coordinates) and are not written; count them as invalid: {}",
                         degenerate.size(), a->n, a->system, fmt::join(degenerate, ", "));
            sample::SampleProvenance p;
            p.model = a->model;
            p.system = a->system;
            p.steps = a->sampler.steps;
            p.cfg_scale = a->sampler.cfg_scale;
            p.time_power = a->sampler.time_power;
            p.refine = sample::refine_passes(a->sampler, a->system);
            p.temperature = a->sampler.temperature;
            p.seed = global.seed;
            p.sampler = a->sampler.method;
            p.command_line = fmt::format(
                "adit sample --model {} --system {} -n {} --steps {} --time-power {} --cfg {} --guidance-until {} --refine {} --refine-time {} "
                "--temperature {} --sampler {} --seed {}{}",
                a->model, a->system, a->n, a->sampler.steps, a->sampler.time_power, a->sampler.cfg_scale,
                a->sampler.guidance_until,
                p.refine, a->sampler.refine_time, p.temperature,
                a->sampler.method, global.seed, a->raw ? " --raw-weights" : "");
            sample::stamp_provenance(structures, p);
            sample::SampleWriteOptions w;
            w.symmetrize = a->symmetrize;
            if (!a->format.empty()) w.format = format_from_name(a->format);
            const auto files = sample::write_samples(a->out, structures, p, w);
            log_info("wrote {} {}s to {}{}", structures.size(), a->system, a->out,
                     files.size() > 1 ? fmt::format(" ({} files)", files.size()) : "");
            return 0;
        });
    };
    return c;
}

}  // namespace adit::cli
