// adit prepare: dataset files (extended XYZ, CDVAE CSV, SDF, CIF, SMILES lists) into adit's
// HDF5 layout (src/adit/io/hdf5_store.hpp), with splits and provenance. Summary on stdout
// (a table, or JSON with --json); progress and per-record warnings on stderr.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/data/prepare.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

struct PrepareCliOptions {
    std::vector<std::string> inputs, train, val, test, exclude, proxy_elements, smiles_from;
    std::string out, format, geometry, geometry_label, split = "none", on_error = "fail";
    std::int64_t limit = 0;
    bool no_smiles = false, json = false;
};

// The command line as typed (Linux /proc), for the file's provenance.
std::string command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string out;
    bool first = true;
    for (std::size_t start = 0; start < raw.size();) {
        std::size_t end = raw.find('\0', start);
        if (end == std::string::npos) end = raw.size();
        std::string arg = raw.substr(start, end - start);
        if (first) {
            const auto slash = arg.rfind('/');
            if (slash != std::string::npos) arg = arg.substr(slash + 1);  // "adit", not the build path
            first = false;
        }
        if (arg.find_first_of(" \t\"'") != std::string::npos) arg = "'" + arg + "'";
        out += (out.empty() ? "" : " ") + arg;
        start = end + 1;
    }
    return out.empty() ? "adit prepare" : out;
}

// Progress lines on stderr, at most one every 2 s (and the last one).
ProgressCallback stderr_progress(bool quiet) {
    if (quiet) return {};
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    return [last](std::size_t done, std::size_t total, std::string_view status) {
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - *last < std::chrono::seconds(2)) return;
        *last = now;
        if (total > 0) log_info("{}: {}/{} ({:.0f}%)", status, done, total, 100.0 * static_cast<double>(done) / static_cast<double>(total));
        else log_info("{}: {}", status, done);
    };
}

int run_prepare(const PrepareCliOptions& o, const GlobalOptions& g) {
    const auto t0 = std::chrono::steady_clock::now();
    data::PrepareOptions p;
    for (const auto& f : o.inputs) p.inputs.push_back({f, std::nullopt});
    for (const auto& f : o.train) p.inputs.push_back({f, Split::train});
    for (const auto& f : o.val) p.inputs.push_back({f, Split::val});
    for (const auto& f : o.test) p.inputs.push_back({f, Split::test});
    if (!o.format.empty()) p.format = format_from_name(o.format);
    p.geometry = o.geometry;
    p.geometry_label = o.geometry_label;
    p.split = data::parse_split_spec(o.split);
    p.seed = g.seed;
    p.threads = g.threads;
    p.on_error = o.on_error == "skip" ? data::OnError::skip : data::OnError::fail;
    p.limit = o.limit;
    p.smiles = !o.no_smiles;
    p.exclude = o.exclude;
    p.proxy_elements = o.proxy_elements;
    p.smiles_from = o.smiles_from;
    p.command_line = command_line();

    data::PrepareReport report;
    const PreparedData prepared = data::prepare_dataset(p, &report, stderr_progress(g.quiet));
    write_prepared(o.out, prepared);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const std::string geometry = read_prepared(o.out, {false}).metadata.geometry;
    if (o.json) {
        nlohmann::ordered_json j;
        j["output"] = o.out;
        j["structures"] = report.structures;
        j["molecules"] = report.molecules;
        j["crystals"] = report.crystals;
        j["splits"] = {{"train", prepared.split(Split::train).size()},
                       {"val", prepared.split(Split::val).size()},
                       {"test", prepared.split(Split::test).size()}};
        j["geometry"] = geometry;
        j["skipped_records"] = report.skipped;
        j["excluded"] = report.excluded;
        j["embedded"] = report.embedded;
        j["embedded_openbabel"] = report.embedded_openbabel;
        j["embed_failed"] = report.embed_failed;
        j["mmff_not_converged"] = report.mmff_not_converged;
        j["smiles_unknown"] = report.smiles_unknown;
        j["smiles_listed"] = report.smiles_listed;
        j["smiles_list_mismatch"] = report.smiles_list_mismatch;
        j["seconds"] = seconds;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    fmt::print("wrote {}: {} structures ({} molecules, {} crystals), geometry {}\n", o.out, report.structures,
               report.molecules, report.crystals, geometry);
    fmt::print("  train {}  val {}  test {}\n", prepared.split(Split::train).size(), prepared.split(Split::val).size(),
               prepared.split(Split::test).size());
    fmt::print("  skipped records {}", report.skipped);
    if (report.excluded) fmt::print("  excluded {}", report.excluded);
    if (report.duplicates) fmt::print("  already in a structure file {}", report.duplicates);
    if (report.filtered) fmt::print("  without --proxy-elements {}", report.filtered);
    fmt::print("\n");
    if (report.embedded || report.embed_failed)
        fmt::print("  embedded {} (ETKDG+MMFF proxy geometries; {} of them from the Open Babel builder), failed {}, MMFF not converged {}\n",
                   report.embedded, report.embedded_openbabel, report.embed_failed, report.mmff_not_converged);
    if (report.smiles_listed || report.smiles_list_mismatch)
        fmt::print("  SMILES from --smiles-from {}, not matching the geometry's formula and connectivity (perceived instead) {}\n", report.smiles_listed,
                   report.smiles_list_mismatch);
    if (report.molecules) fmt::print("  molecules without a determinable SMILES {}\n", report.smiles_unknown);
    fmt::print("  {:.1f} s\n", seconds);
    return 0;
}

}  // namespace

Command register_prepare(CLI::App& parent, const GlobalOptions& global) {
    auto o = std::make_shared<PrepareCliOptions>();
    CLI::App* sub = parent.add_subcommand("prepare", "Prepare a dataset into adit's HDF5 layout");
    sub->add_option("--input", o->inputs, "structure file or SMILES list (repeatable; .gz read transparently)");
    sub->add_option("--train", o->train, "file whose records form the train split (repeatable)");
    sub->add_option("--val", o->val, "file whose records form the validation split");
    sub->add_option("--test", o->test, "file whose records form the test split");
    sub->add_option("--out", o->out, "output HDF5 file (written to a temporary name, renamed on success)")->required();
    sub->add_option("--format", o->format, "input format for structure files, overriding the extension");
    sub->add_option("--geometry", o->geometry, "coordinates for SMILES inputs: etkdg-mmff (RDKit ETKDGv3 + MMFF94)")
        ->check(CLI::IsMember({"etkdg-mmff"}));
    sub->add_option("--geometry-label", o->geometry_label,
                    "origin label of the coordinates in structure files (default: dft for QM9 and CDVAE CSV, else input)");
    sub->add_option("--split", o->split, "random:TRAIN,VAL,TEST or scaffold:TRAIN,VAL,TEST (with --seed), or none")
        ->capture_default_str();
    sub->add_option("--on-error", o->on_error, "a malformed record: fail (stop) or skip (count it and go on)")
        ->check(CLI::IsMember({"fail", "skip"}))
        ->capture_default_str();
    sub->add_option("--limit", o->limit, "read only the first N records of each input")->check(CLI::NonNegativeNumber);
    sub->add_option("--exclude", o->exclude, "leave out structures whose id appears in this file (repeatable)");
    sub->add_option("--proxy-elements", o->proxy_elements,
                    "embed only SMILES that contain one of these elements (e.g. F)")->delimiter(',');
    sub->add_option("--smiles-from", o->smiles_from,
                    "SMILES list (CSV with gdb_index/id, or .smi) whose SMILES, matched by id and formula, replace perception from geometry (repeatable)");
    sub->add_flag("--no-smiles", o->no_smiles, "do not determine SMILES of molecules from their geometry");
    sub->add_flag("--json", o->json, "print the summary as JSON");
    return {sub, [o, &global] { return guarded("prepare", [&] { return run_prepare(*o, global); }); }};
}

}  // namespace adit::cli
