// adit reconstruct: real structures through the autoencoder and back (encoder mean -> decoder),
// the ceiling of every model sampled through it. Writes the decoded structures (so `adit eval`
// can judge them like samples) and reports, per system, how many came back with every element
// right, the molecules' RMSD and the crystals' StructureMatcher match rate.
//   adit reconstruct --input data/qm9_test.h5 -n 1000 --out recon.sdf [--model VAE_OR_DIT.pt] [--json report.json]
#include <torch/torch.h>

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/shipped_models.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/io/text_file.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/nn/device.hpp"
#include "adit/sample/reconstruct.hpp"
#include "command.hpp"
#include "eval_inputs.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {

// The shipped DiT is a sampling-only release (no encoder): the default is the VAE embedded in it.
const char* const kShippedVAE = "vae-joint-small.pt";

// A VAE checkpoint, or the VAE embedded in a DiT checkpoint.
models::VAE load_any_vae(const std::string& path, bool ema) {
    const auto kind = models::read_checkpoint_metadata(path).value("kind", "");
    if (kind == "dit") return models::load_dit(path, ema).vae;
    return models::load_vae(path, ema).model;
}

nlohmann::json summary_json(const sample::ReconstructionSummary& s, bool crystals) {
    nlohmann::json j = {{"count", s.count}, {"types_exact", s.types_exact}};
    if (crystals) {
        j["match_rate"] = s.match_rate;
        j["match_rms_mean"] = s.match_rms_mean;
        j["lattice_length_mae"] = s.length_mae;
        j["lattice_angle_mae"] = s.angle_mae;
    } else {
        j["rmsd_mean"] = s.rmsd_mean;
        j["rmsd_median"] = s.rmsd_median;
    }
    return j;
}

}  // namespace

Command register_reconstruct(CLI::App& parent, const GlobalOptions& global) {
    auto* app = parent.add_subcommand("reconstruct", "Pass real structures through the autoencoder and measure what comes back");
    struct Args {
        std::string model, input, split, out, json_path;
        std::int64_t n = 0, batch = 256;
        bool raw = false;
    };
    auto a = std::make_shared<Args>();
    app->add_option("--model", a->model, fmt::format("VAE checkpoint, or a DiT checkpoint's embedded VAE (default: the shipped {})", kShippedVAE))
        ->check(CLI::ExistingFile);
    app->add_option("--input", a->input, "structures: any file `adit eval` reads, or an adit HDF5 dataset (FILE.h5[:split])")
        ->required();
    app->add_option("-n", a->n, "only the first N structures (default: all)")->check(CLI::PositiveNumber);
    app->add_option("--out", a->out, "decoded structures: .sdf, .xyz, .extxyz, .cif, ... (optional)");
    app->add_option("--json", a->json_path, "write the report as JSON to this file");
    app->add_option("--batch", a->batch, "structures encoded together")->capture_default_str()->check(CLI::PositiveNumber);
    app->add_flag("--raw-weights", a->raw, "use the raw instead of the EMA weights");

    Command c;
    c.app = app;
    c.run = [a, &global]() {
        return guarded("reconstruct", [&]() {
            const auto device = nn::parse_device(global.device);
            if (global.threads > 0) torch::set_num_threads(global.threads);
            if (a->model.empty()) a->model = shipped_model_path(kShippedVAE);
            auto vae = load_any_vae(a->model, !a->raw);
            vae->to(device);
            auto [file, split] = split_suffix(a->input);
            auto inputs = load_structures(file, split);
            if (inputs.empty()) fail("{}: no structures", a->input);
            if (a->n > 0 && std::size_t(a->n) < inputs.size()) inputs.resize(std::size_t(a->n));
            auto r = sample::reconstruct_structures(*vae, inputs, a->batch, global.threads,
                                                    progress_bar("reconstruct", global.quiet));
            if (!a->out.empty()) {
                write_structures(a->out, r.structures);
                log_info("wrote {} reconstructed structures to {}", r.structures.size(), a->out);
            }
            nlohmann::json report = {{"model", a->model}, {"input", a->input}, {"count", inputs.size()}};
            for (bool crystals : {false, true}) {
                const auto s = sample::summarize(r.errors, crystals);
                if (s.count == 0) continue;
                report[crystals ? "crystals" : "molecules"] = summary_json(s, crystals);
                if (crystals)
                    std::cout << fmt::format(
                        "crystals  {:>6}  all elements right {:6.2f} %   matched {:6.2f} % (RMS {:.4f})   lattice {:.3f} Å / {:.2f}°\n",
                        s.count, 100 * s.types_exact, 100 * s.match_rate, s.match_rms_mean, s.length_mae, s.angle_mae);
                else
                    std::cout << fmt::format("molecules {:>6}  all elements right {:6.2f} %   RMSD mean {:.4f} Å, median {:.4f} Å\n",
                                             s.count, 100 * s.types_exact, s.rmsd_mean, s.rmsd_median);
            }
            if (!a->json_path.empty()) {
                AtomicOutput out(a->json_path);
                out.stream() << report.dump(2) << "\n";
                out.commit();
            }
            return 0;
        });
    };
    return c;
}

}  // namespace adit::cli
