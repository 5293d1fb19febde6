// adit sample: draws structures from a trained DiT checkpoint (which embeds its VAE).
//   adit sample --model DIT.pt --system molecule|crystal -n N --out FILE
// FILE: .xyz, .extxyz, .sdf (molecules), .cif (crystals; --symmetrize), anything the
// structure writers of interop/structure_files.hpp accept.
#include <torch/torch.h>

#include <iostream>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/nn/device.hpp"
#include "adit/sample/sampler.hpp"
#include "command.hpp"

namespace adit::cli {

Command register_sample(CLI::App& parent, const GlobalOptions& global) {
    auto* app = parent.add_subcommand("sample", "Sample molecules or crystals from a trained model");
    struct Args {
        std::string model, system, out;
        std::int64_t n = 0;
        bool symmetrize = false, raw = false;
        sample::SamplerOptions sampler;
    };
    auto a = std::make_shared<Args>();
    app->add_option("--model", a->model, "DiT checkpoint (dit.pt)")->required()->check(CLI::ExistingFile);
    app->add_option("--system", a->system, "molecule or crystal")->required()->check(CLI::IsMember({"molecule", "crystal"}));
    app->add_option("-n", a->n, "number of structures")->required()->check(CLI::PositiveNumber);
    app->add_option("--out", a->out, "output file (.xyz, .extxyz, .sdf, .cif, ...)")->required();
    app->add_option("--steps", a->sampler.steps, "integration steps (default 100)")->check(CLI::PositiveNumber);
    app->add_option("--cfg", a->sampler.cfg_scale, "classifier-free guidance scale (default 2.0)");
    app->add_option("--sampler", a->sampler.method, "euler or heun")->check(CLI::IsMember({"euler", "heun"}));
    app->add_option("--atoms", a->sampler.fixed_atoms, "fix the number of atoms of every sample")->check(CLI::PositiveNumber);
    app->add_option("--batch", a->sampler.batch_size, "samples integrated together (default 256)")->check(CLI::PositiveNumber);
    app->add_flag("--symmetrize", a->symmetrize, "CIF: find and write the space group");
    app->add_flag("--raw-weights", a->raw, "use the raw instead of the EMA weights");

    Command c;
    c.app = app;
    c.run = [a, &global]() {
        return guarded("sample", [&]() {
            const auto device = nn::parse_device(global.device);
            if (global.threads > 0) torch::set_num_threads(global.threads);
            torch::manual_seed(global.seed);
            auto model = models::load_dit(a->model, !a->raw);
            model.model->to(device);
            model.vae->to(device);
            if (!global.precision.empty()) a->sampler.precision = global.precision;
            auto structures = sample::sample_structures(model, a->system, a->n, a->sampler);
            WriteOptions w;
            w.symmetrize = a->symmetrize;
            write_structures(a->out, structures, w);
            log_info("wrote {} {}s to {}", structures.size(), a->system, a->out);
            return 0;
        });
    };
    return c;
}

}  // namespace adit::cli
