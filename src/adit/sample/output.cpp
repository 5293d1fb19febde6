// Sample files with provenance (see output.hpp).
#include "adit/sample/output.hpp"

#include <filesystem>

#include "adit/core/error.hpp"
#include "adit/io/hdf5_store.hpp"
#include "adit/interop/structure_files.hpp"

namespace adit::sample {

namespace fs = std::filesystem;

void stamp_provenance(std::vector<Structure>& structures, const SampleProvenance& p) {
    for (auto& s : structures) {
        s.properties.set("system", p.system.empty() ? std::string(s.is_periodic() ? "crystal" : "molecule") : p.system);
        s.properties.set("sampling_steps", double(p.steps));
        s.properties.set("cfg_scale", p.cfg_scale);
        s.properties.set("time_power", p.time_power);
        s.properties.set("refine_passes", double(p.refine));
        s.properties.set("noise_temperature", p.temperature);
        // A seed beyond 2^53 does not survive a double: keep it as text then.
        if (p.seed < (std::uint64_t(1) << 53)) s.properties.set("seed", double(p.seed));
        else s.properties.set("seed", std::to_string(p.seed));
        if (!p.sampler.empty()) s.properties.set("sampler", p.sampler);
        if (!p.model.empty()) s.properties.set("model", p.model);
    }
}

bool is_directory_output(const std::string& out) {
    std::error_code ec;
    if (fs::is_directory(out, ec)) return true;
    if (!out.empty() && out.back() == '/') return true;
    return fs::path(out).extension().empty();
}

namespace {

void write_hdf5(const std::string& out, const std::vector<Structure>& structures, const SampleProvenance& p) {
    PreparedData data;
    for (const auto& s : structures) data.append(s, "", "adit-sample");
    data.metadata.geometry = "adit-sample";
    data.metadata.command_line = p.command_line;
    data.metadata.attributes = {{"sample_model", p.model},
                                {"sample_system", p.system},
                                {"sample_steps", std::to_string(p.steps)},
                                {"sample_cfg", fmt::format("{}", p.cfg_scale)},
                                {"sample_time_power", fmt::format("{}", p.time_power)},
                                {"sample_refine", std::to_string(p.refine)},
                                {"sample_temperature", fmt::format("{}", p.temperature)},
                                {"sample_seed", std::to_string(p.seed)},
                                {"sample_sampler", p.sampler}};
    write_prepared(out, data);
}

}  // namespace

std::vector<std::string> write_samples(const std::string& out, const std::vector<Structure>& structures,
                                       const SampleProvenance& p, const SampleWriteOptions& options) {
    WriteOptions w;
    w.symmetrize = options.symmetrize;
    if (is_directory_output(out)) {
        fs::create_directories(out);
        const auto width = std::to_string(std::max<std::size_t>(1, structures.size() - 1)).size();
        std::vector<std::string> files;
        for (std::size_t i = 0; i < structures.size(); ++i) {
            const auto& s = structures[i];
            const FileFormat f = options.format ? *options.format : s.is_periodic() ? FileFormat::cif : FileFormat::xyz;
            if (f == FileFormat::hdf5) fail("{}: a directory of samples holds structure files, not .h5", out);
            const std::string name =
                fmt::format("{}_{:0{}}.{}", s.is_periodic() ? "crystal" : "molecule", i, width, format_name(f));
            const std::string path = (fs::path(out) / name).string();
            w.format = f;
            write_structures(path, {s}, w);
            files.push_back(path);
        }
        return files;
    }
    const FileFormat f = options.format ? *options.format : format_from_path(out);
    if (f == FileFormat::hdf5) {
        if (options.symmetrize) fail("--symmetrize applies to CIF output, not {}", out);
        write_hdf5(out, structures, p);
    } else {
        w.format = f;
        write_structures(out, structures, w);
    }
    return {out};
}

}  // namespace adit::sample
