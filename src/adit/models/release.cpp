// Half-precision release files (see release.hpp).
#include "adit/models/release.hpp"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "adit/core/error.hpp"
#include "adit/io/hdf5_store.hpp"
#include "adit/io/text_file.hpp"
#include "adit/models/checkpoint.hpp"
#include "adit/models/vae.hpp"

namespace adit::models {

using nlohmann::json;

ReleaseDtype parse_release_dtype(const std::string& name) {
    if (name == "fp16" || name == "float16" || name == "half") return ReleaseDtype::fp16;
    if (name == "bf16" || name == "bfloat16") return ReleaseDtype::bf16;
    fail("release precision must be fp16 or bf16, not \"{}\"", name);
}

namespace {

// Entries of a training checkpoint that a release leaves out.
const std::set<std::string> kTrainingState = {"ema", "optimizer", "rng", "rng_cuda"};
// The metadata entry: "metadata" for VAE, DiT and MoleBLEND files, "adit_meta" for conformer models.
const std::set<std::string> kMetadataKeys = {"metadata", "adit_meta"};

struct Exporter {
    torch::ScalarType half;
    ReleaseReport& report;
    bool sampling_only = false;
    // --vae-file: {name, sha256} of the VAE release the DiT decodes with (metadata "external_vae");
    // the embedded VAE is then left out.
    json external_vae;

    torch::Tensor shrink(const torch::Tensor& t) {
        report.parameters += t.numel();
        if (t.scalar_type() == torch::kHalf || t.scalar_type() == torch::kBFloat16) {  // a release's, kept as it is
            ++report.half_tensors;
            return t.contiguous();
        }
        const bool floating = t.scalar_type() == torch::kFloat || t.scalar_type() == torch::kDouble;
        if (floating && t.numel() >= kReleaseMinHalfElements) {
            // fp16 overflows above 65504; such a tensor keeps full precision rather than turning to inf.
            const bool fits = half == torch::kBFloat16 || (t.isfinite().all().item<bool>() && t.abs().max().item<double>() < 65000.0);
            if (fits) {
                ++report.half_tensors;
                return t.to(half).contiguous();
            }
        }
        ++report.full_tensors;
        return t.contiguous();
    }

    // Copies entry `key` of a weight tree: a tensor (replaced by its EMA shadow, looked up by the
    // flat dotted name prefix + key, when one of the same shape exists), a sub-module (recursively,
    // its names under `child_prefix`), or any other value as it is.
    void copy_entry(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out, const std::string& key,
                    const std::map<std::string, torch::Tensor>& ema, const std::string& prefix,
                    const std::string& child_prefix) {
        torch::Tensor t;
        torch::serialize::InputArchive sub;
        if (in.try_read(key, t) || in.try_read(key, t, /*is_buffer=*/true)) {
            auto it = ema.find(prefix + key);
            if (it != ema.end() && it->second.sizes() == t.sizes()) t = it->second;
            out.write(key, shrink(t));
        } else if (in.try_read(key, sub)) {
            torch::serialize::OutputArchive o(out.compilation_unit());
            copy_weights(sub, o, ema, child_prefix);
            out.write(key, o);
        } else {
            c10::IValue v;
            in.read(key, v);
            out.write(key, v);
        }
    }

    void copy_weights(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out,
                      const std::map<std::string, torch::Tensor>& ema, const std::string& prefix,
                      const std::vector<std::string>& left_out = {}) {
        for (const auto& key : in.keys())
            if (key != "training" && std::find(left_out.begin(), left_out.end(), key) == left_out.end())  // "training": the module's flag
                copy_entry(in, out, key, ema, prefix, prefix + key + ".");
    }

    // One checkpoint (the file, or a DiT's embedded VAE): metadata + weights, training state
    // dropped; a sampling-only release's embedded VAE without its encoder.
    void copy_checkpoint(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out, const json& release,
                         bool top) {
        const bool decoder_only = sampling_only && !top;  // only a DiT's embedded VAE is copied below the top
        std::map<std::string, torch::Tensor> ema;
        torch::serialize::InputArchive ema_archive;
        if (in.try_read("ema", ema_archive)) {
            for (const auto& name : ema_archive.keys()) {
                torch::Tensor t;
                if (ema_archive.try_read(name, t)) ema[name] = t;
            }
            if (top) report.ema_weights = !ema.empty();
        }
        json stamp = release;
        stamp["weights"] = ema.empty() ? "model" : "ema";
        for (const auto& key : in.keys()) {
            if (key == "training") continue;
            if (kTrainingState.count(key)) {
                if (top) report.dropped.push_back(key);
                continue;
            }
            if (kMetadataKeys.count(key)) {
                c10::IValue v;
                in.read(key, v);
                auto meta = json::parse(v.toStringRef());
                if (!meta.contains("release")) meta["release"] = stamp;
                else if (sampling_only) meta["release"]["sampling_only"] = true;  // a release made sampling-only keeps its stamp
                if (decoder_only) meta["decoder_only"] = true;
                if (top && !external_vae.is_null()) meta["external_vae"] = external_vae;
                out.write(key, c10::IValue(meta.dump()));
                continue;
            }
            torch::serialize::InputArchive sub;
            if (key == "vae" && !external_vae.is_null()) {
                report.dropped.push_back("embedded VAE (decodes with " + external_vae["name"].get<std::string>() + ")");
                continue;
            }
            if (key == "vae" && in.try_read(key, sub)) {  // a DiT's embedded VAE: a checkpoint of its own
                torch::serialize::OutputArchive o(out.compilation_unit());
                copy_checkpoint(sub, o, release, /*top=*/false);
                if (sampling_only) report.dropped.push_back("vae encoder");
                out.write(key, o);
                continue;
            }
            if (decoder_only && key == "model") {
                torch::serialize::InputArchive weights;
                in.read(key, weights);
                torch::serialize::OutputArchive o(out.compilation_unit());
                copy_weights(weights, o, ema, "", VAEImpl::encoder_module_names());
                out.write(key, o);
                continue;
            }
            // The weights: under "model" (EMA names start there), or at the top (a conformer model).
            copy_entry(in, out, key, ema, "", key == "model" ? "" : key + ".");
        }
    }
};

json read_metadata(torch::serialize::InputArchive& archive, const std::string& path) {
    for (const auto& key : kMetadataKeys) {
        c10::IValue v;
        if (archive.try_read(key, v) && v.isString()) {
            try {
                return json::parse(v.toStringRef());
            } catch (const json::exception& e) {
                fail("{}: unreadable {} ({})", path, key, e.what());
            }
        }
    }
    fail("{}: not an adit model file (no metadata)", path);
}

}  // namespace

ReleaseReport export_release(const std::string& in, const std::string& out, ReleaseDtype dtype, bool sampling_only,
                             const std::string& vae_file) {
    if (!std::filesystem::exists(in)) fail("{}: no such file", in);
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(in, torch::Device(torch::kCPU));
    } catch (const c10::Error& e) {
        fail("{}: not a readable checkpoint ({})", in, e.what_without_backtrace());
    }
    ReleaseReport report;
    const json meta = read_metadata(archive, in);
    // A release can still be made sampling-only or given a --vae-file; anything else would export it twice.
    const bool adds = (sampling_only && !meta.value("release", json::object()).value("sampling_only", false)) ||
                      (!vae_file.empty() && !meta.contains("external_vae"));
    if (meta.contains("release") && !adds)
        fail("{}: already a release file (exported from {})", in, meta["release"].value("source", "?"));
    report.kind = meta.contains("kind") ? meta["kind"].get<std::string>() : meta.value("format", "unknown");
    report.step = meta.value("step", std::int64_t(0));
    if (sampling_only && report.kind != "dit")
        fail("{}: --sampling-only applies to DiT files (it drops the embedded VAE's encoder); this is a {} file", in, report.kind);
    if (!vae_file.empty() && report.kind != "dit")
        fail("{}: --vae-file applies to DiT files (it leaves the embedded VAE out); this is a {} file", in, report.kind);
    report.bytes_in = std::filesystem::file_size(in);

    json release = {{"precision", dtype == ReleaseDtype::fp16 ? "fp16" : "bf16"},
                    {"source", std::filesystem::path(in).filename().string()},
                    {"min_half_elements", kReleaseMinHalfElements},
                    {"sampling_only", sampling_only}};
    Exporter exporter{dtype == ReleaseDtype::fp16 ? torch::kHalf : torch::kBFloat16, report, sampling_only, json()};
    if (!vae_file.empty()) {
        if (!std::filesystem::exists(vae_file)) fail("--vae-file: {} does not exist", vae_file);
        check_same_vae(load_dit(in, /*ema=*/true), in, load_vae(vae_file, /*ema=*/true), vae_file, "--vae-file");
        exporter.external_vae = {{"name", std::filesystem::path(vae_file).filename().string()},
                                 {"sha256", file_sha256(vae_file)}};
    }
    torch::serialize::OutputArchive result;
    exporter.copy_checkpoint(archive, result, release, /*top=*/true);
    if (meta.contains("release")) report.ema_weights = meta["release"].value("weights", "") == "ema";

    AtomicPath target(out);
    result.save_to(target.tmp_path());
    target.commit();
    report.bytes_out = std::filesystem::file_size(out);
    return report;
}

}  // namespace adit::models
