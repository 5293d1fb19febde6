// Reading self-describing checkpoints (see checkpoint.hpp).
#include "adit/models/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "adit/core/error.hpp"
#include "adit/io/hdf5_store.hpp"
#include "adit/nn/device.hpp"

namespace adit::models {

using nlohmann::json;

void write_json(torch::serialize::OutputArchive& archive, const std::string& key, const json& j) {
    archive.write(key, c10::IValue(j.dump()));
}

json read_json(torch::serialize::InputArchive& archive, const std::string& key) {
    c10::IValue v;
    archive.read(key, v);
    return json::parse(v.toStringRef());
}

void check_metadata(const json& meta, const std::string& path, const std::string& expected_kind) {
    const int version = meta.value("format_version", -1);
    if (version != kCheckpointFormatVersion)
        fail("{}: checkpoint format version {} is not supported (this adit reads version {})", path, version,
             kCheckpointFormatVersion);
    const std::string kind = meta.value("kind", "");
    if (kind != "vae" && kind != "dit") fail("{}: not an adit model checkpoint (kind \"{}\")", path, kind);
    if (!expected_kind.empty() && kind != expected_kind)
        fail("{}: expected a {} checkpoint, this one is a {}", path, expected_kind, kind);
    if (!meta.contains("config") || !meta["config"].contains("model"))
        fail("{}: checkpoint metadata has no model config", path);
}

namespace {

torch::serialize::InputArchive open_archive(const std::string& path) {
    if (!std::filesystem::exists(path)) fail("{}: no such file", path);
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, torch::Device(torch::kCPU));  // GPU-written files load anywhere
    } catch (const c10::Error& e) {
        fail("{}: not a readable checkpoint ({})", path, e.what_without_backtrace());
    }
    return archive;
}

json metadata_of(torch::serialize::InputArchive& archive, const std::string& path, const std::string& kind) {
    json meta;
    try {
        meta = read_json(archive, "metadata");
    } catch (const std::exception& e) {
        fail("{}: checkpoint has no readable metadata ({})", path, e.what());
    }
    check_metadata(meta, path, kind);
    return meta;
}

VAE build_vae(torch::serialize::InputArchive& archive, const json& meta, bool ema, const std::string& path) {
    VAE vae(vae_options_from_json(meta["config"]["model"]), normalization_from_json(meta.at("normalization")));
    torch::serialize::InputArchive model;
    if (!archive.try_read("model", model)) fail("{}: checkpoint has no model weights", path);
    if (meta.value("decoder_only", false)) vae->mark_decoder_only();  // a sampling-only release's embedded VAE
    nn::load_module(*vae, model, path, vae->unstored_module_names());
    if (ema) load_ema_into(archive, *vae);
    vae->eval();
    return vae;
}

}  // namespace

void load_ema_into(torch::serialize::InputArchive& archive, torch::nn::Module& module) {
    torch::serialize::InputArchive ema;
    if (!archive.try_read("ema", ema)) return;
    torch::NoGradGuard no_grad;
    for (auto& p : module.named_parameters()) {
        torch::Tensor t;
        if (ema.try_read(p.key(), t)) p.value().copy_(t);
    }
}

json read_checkpoint_metadata(const std::string& path, const std::string& expected_kind) {
    auto archive = open_archive(path);
    return metadata_of(archive, path, expected_kind);
}

LoadedVAE load_vae(const std::string& path, bool ema) {
    auto archive = open_archive(path);
    auto meta = metadata_of(archive, path, "vae");
    return LoadedVAE{build_vae(archive, meta, ema, path), meta};
}

namespace {
// The VAE of a DiT release exported with --vae-file (its metadata's "external_vae": the VAE
// release's file name and SHA-256), read from the DiT's folder; an adit::Error when the file is
// missing or is another file.
LoadedVAE load_release_vae(const std::string& dit_path, const json& external_vae) {
    const std::string name = external_vae.value("name", "");
    const std::string expected = external_vae.value("sha256", "");
    if (name.empty() || expected.empty()) fail("{}: unreadable external_vae entry {}", dit_path, external_vae.dump());
    const auto resolved = (std::filesystem::path(dit_path).parent_path() / name).string();
    if (!std::filesystem::exists(resolved))
        fail("{}: this DiT release decodes with the VAE release {}, which must sit in the same folder; {} does not exist",
             dit_path, name, resolved);
    const auto digest = file_sha256(resolved);
    if (digest != expected)
        fail("{}: {} is not the VAE this DiT was released with (SHA-256 {}, expected {})", dit_path, resolved, digest,
             expected);
    return load_vae(resolved, /*ema=*/true);
}
}  // namespace

LoadedDiT load_dit(const std::string& path, bool ema) {
    auto archive = open_archive(path);
    auto meta = metadata_of(archive, path, "dit");
    LoadedDiT r;
    r.metadata = meta;
    r.model = DiT(dit_options_from_json(meta["config"]["model"]));
    torch::serialize::InputArchive model;
    if (!archive.try_read("model", model)) fail("{}: checkpoint has no model weights", path);
    nn::load_module(*r.model, model, path);
    if (ema) load_ema_into(archive, *r.model);
    r.model->eval();
    torch::serialize::InputArchive vae_archive;
    if (archive.try_read("vae", vae_archive)) {
        auto vae_meta = metadata_of(vae_archive, path + " (embedded VAE)", "vae");
        r.vae = build_vae(vae_archive, vae_meta, /*ema=*/false, path + " (embedded VAE)");  // stored with its EMA weights applied
        r.metadata["vae_metadata"] = vae_meta;
    } else if (meta.contains("external_vae")) {
        auto vae = load_release_vae(path, meta["external_vae"]);
        r.vae = vae.model;
        r.metadata["vae_metadata"] = vae.metadata;
    } else {
        fail("{}: DiT checkpoint has no embedded VAE", path);
    }
    return r;
}

namespace {
json counts_json(const torch::nn::Module& m, const std::vector<std::string>& left_out = {}) {
    auto c = nn::count_parameters(m, left_out);
    return {{"attention", c.attention}, {"mlp", c.mlp}, {"other", c.other}, {"total", c.total()}};
}
}  // namespace

json describe_checkpoint(const std::string& path) {
    auto meta = read_checkpoint_metadata(path);
    json out;
    out["file"] = path;
    out["kind"] = meta["kind"];
    out["format_version"] = meta["format_version"];
    out["step"] = meta.value("step", 0);
    out["model"] = meta["config"]["model"];
    if (meta["kind"] == "vae") {
        auto m = load_vae(path, false);
        out["parameters"] = counts_json(*m.model);
        out["normalization"] = meta["normalization"];
    } else {
        auto m = load_dit(path, false);
        out["parameters"] = counts_json(*m.model);
        out["vae"] = {{"model", m.metadata["vae_metadata"]["config"]["model"]},
                      {"parameters", counts_json(*m.vae, m.vae->unstored_module_names())},
                      {"decoder_only", m.vae->decoder_only()}};
        if (meta.contains("external_vae")) out["vae"]["file"] = meta["external_vae"];
        if (meta.contains("atom_count_histogram")) out["atom_count_histogram"] = meta["atom_count_histogram"];
    }
    return out;
}

void check_same_vae(const LoadedDiT& dit, const std::string& dit_path, const LoadedVAE& vae, const std::string& vae_path,
                    const std::string& option) {
    const auto& embedded = dit.metadata["vae_metadata"];
    if (embedded["config"]["model"] != vae.metadata["config"]["model"] ||
        embedded.value("normalization", json()) != vae.metadata.value("normalization", json()))
        fail("{}: {} has another VAE config or normalisation than the VAE embedded in {}", option, vae_path, dit_path);
    std::map<std::string, torch::Tensor> theirs;
    for (const auto& p : vae.model->named_parameters()) theirs[p.key()] = p.value();
    for (const auto& b : vae.model->named_buffers()) theirs[b.key()] = b.value();
    const auto unstored = dit.vae->unstored_module_names();  // top-level children: a sampling-only release's encoder
    auto compare = [&](const std::string& name, const torch::Tensor& mine) {
        if (std::find(unstored.begin(), unstored.end(), name.substr(0, name.find('.'))) != unstored.end()) return;
        auto it = theirs.find(name);
        const bool same = it != theirs.end() && it->second.sizes() == mine.sizes() &&
                          (mine.is_floating_point() ? mine.to(torch::kHalf).equal(it->second.to(torch::kHalf))
                                                    : mine.equal(it->second));
        if (!same)
            fail("{}: {} is not the VAE {} was trained with (they differ at {}); give the VAE release it was "
                 "trained with",
                 option, vae_path, dit_path, name);
    };
    for (const auto& p : dit.vae->named_parameters()) compare(p.key(), p.value());
    for (const auto& b : dit.vae->named_buffers()) compare(b.key(), b.value());
}

}  // namespace adit::models
