// adit export: a checkpoint's release file for shipping (see src/adit/models/release.hpp): EMA
// weights, large tensors in half precision, no training state.
//   adit export --model runs/dit-xs-joint/dit.pt --out models/dit-xs-joint.pt
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "adit/core/error.hpp"
#include "adit/models/release.hpp"
#include "command.hpp"

namespace adit::cli {

Command register_export(CLI::App& parent, const GlobalOptions&) {
    auto* app = parent.add_subcommand("export", "Write a model's release file: EMA weights in half precision, no training state");
    struct Args {
        std::string model, out, dtype = "fp16", vae_file;
        bool json = false, sampling_only = false;
    };
    auto a = std::make_shared<Args>();
    app->add_option("--model", a->model, "trained checkpoint (vae.pt, dit.pt, conformer or MoleBLEND model)")
        ->required()
        ->check(CLI::ExistingFile);
    app->add_option("--out", a->out, "release file to write")->required();
    app->add_option("--dtype", a->dtype, "half precision of the large tensors: fp16 | bf16")
        ->capture_default_str()
        ->check(CLI::IsMember({"fp16", "bf16"}));
    app->add_flag("--sampling-only", a->sampling_only,
                  "DiT files: leave out the embedded VAE's encoder (the release samples and decodes, but cannot "
                  "encode, train or compress)");
    app->add_option("--vae-file", a->vae_file,
                    "DiT files: leave the embedded VAE out and decode with this VAE release instead (the one the DiT "
                    "was trained with, checked; ship it in the same folder: its name and SHA-256 are recorded)")
        ->check(CLI::ExistingFile);
    app->add_flag("--json", a->json, "print the report as JSON");
    Command c;
    c.app = app;
    c.run = [a]() {
        return guarded("export", [&]() {
            if (a->out == a->model) fail("--out must differ from --model (the checkpoint is kept)");
            auto r = models::export_release(a->model, a->out, models::parse_release_dtype(a->dtype), a->sampling_only,
                                            a->vae_file);
            nlohmann::json j = {{"model", a->model},          {"out", a->out},
                                {"kind", r.kind},             {"step", r.step},
                                {"dtype", a->dtype},          {"weights", r.ema_weights ? "ema" : "model"},
                                {"half_tensors", r.half_tensors}, {"full_tensors", r.full_tensors},
                                {"parameters", r.parameters}, {"dropped", r.dropped},
                                {"bytes_in", r.bytes_in},     {"bytes_out", r.bytes_out}};
            if (a->json) {
                std::cout << j.dump(2) << "\n";
                return 0;
            }
            std::cout << fmt::format("{}: {} release of {} (step {}), {} weights, {} values\n", a->out, a->dtype, a->model,
                                     r.step, r.ema_weights ? "EMA" : "raw", r.parameters);
            std::cout << fmt::format("  {} tensors in {}, {} small ones kept fp32; left out: {}\n", r.half_tensors, a->dtype,
                                     r.full_tensors, r.dropped.empty() ? "nothing" : fmt::format("{}", fmt::join(r.dropped, ", ")));
            std::cout << fmt::format("  {:.1f} MB -> {:.1f} MB\n", r.bytes_in / 1e6, r.bytes_out / 1e6);
            return 0;
        });
    };
    return c;
}

}  // namespace adit::cli
