// adit info FILE.h5: summary of a prepared dataset (counts per split and system, element and
// atom-count histograms, properties with units and value ranges, provenance). Text or --json.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "adit/core/elements.hpp"
#include "adit/io/hdf5_store.hpp"
#include "command.hpp"

namespace adit::cli {

int info_dataset(const std::string& path, bool json) {
    const PreparedData d = read_prepared(path);
    const std::int64_t n = d.size();
    std::int64_t molecules = 0;
    for (std::uint8_t s : d.system) molecules += s == 0;
    std::map<int, std::int64_t> elements;  // Z -> atoms
    for (std::uint8_t z : d.z) ++elements[z];
    std::map<std::int64_t, std::int64_t> sizes;  // atoms per structure -> structures
    for (std::int64_t i = 0; i < n; ++i) ++sizes[d.num_atoms(i)];
    std::map<std::string, std::int64_t> geometry;
    for (const std::string& g : d.geometry) ++geometry[g.empty() ? "unknown" : g];
    std::int64_t with_smiles = 0;
    for (std::int64_t i = 0; i < n; ++i) with_smiles += d.system[i] == 0 && !d.smiles[i].empty();

    nlohmann::ordered_json j;
    j["path"] = path;
    j["format_version"] = d.metadata.format_version;
    j["structures"] = n;
    j["atoms"] = d.num_atoms();
    j["systems"] = {{"molecule", molecules}, {"crystal", n - molecules}};
    nlohmann::ordered_json splits = nlohmann::ordered_json::object();
    for (Split s : {Split::train, Split::val, Split::test}) {
        std::int64_t m = 0;
        for (std::int64_t i : d.split(s)) m += d.system[i] == 0;
        const auto total = static_cast<std::int64_t>(d.split(s).size());
        splits[split_name(s)] = {{"structures", total}, {"molecule", m}, {"crystal", total - m}};
    }
    j["splits"] = splits;
    j["geometry"] = d.metadata.geometry;
    j["geometry_counts"] = geometry;
    j["molecules_with_smiles"] = with_smiles;
    nlohmann::ordered_json el = nlohmann::ordered_json::object();
    for (const auto& [z, count] : elements) el[std::string(element(z).symbol)] = count;
    j["elements"] = el;
    nlohmann::ordered_json hist = nlohmann::ordered_json::object();
    for (const auto& [atoms, count] : sizes) hist[std::to_string(atoms)] = count;
    j["atom_counts"] = hist;
    nlohmann::ordered_json props = nlohmann::ordered_json::array();
    for (const PreparedProperty& p : d.properties) {
        std::int64_t count = 0;
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        for (double v : p.values)
            if (!std::isnan(v)) {
                ++count;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                sum += v;
            }
        nlohmann::ordered_json q = {{"name", p.name}, {"unit", p.unit}, {"count", count}};
        if (count) {
            q["min"] = lo;
            q["max"] = hi;
            q["mean"] = sum / static_cast<double>(count);
        }
        props.push_back(q);
    }
    j["properties"] = props;
    nlohmann::ordered_json sources = nlohmann::ordered_json::array();
    for (const PreparedSource& s : d.metadata.sources)
        sources.push_back({{"path", s.path}, {"sha256", s.sha256}, {"records", s.records}, {"skipped", s.skipped}});
    j["sources"] = sources;
    j["skipped_records"] = d.metadata.skipped_records;
    j["command_line"] = d.metadata.command_line;
    j["created_by"] = d.metadata.created_by;
    if (!d.metadata.attributes.empty()) {  // e.g. adit sample's sample_model, sample_steps, ...
        nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
        for (const auto& [name, value] : d.metadata.attributes) attributes[name] = value;
        j["attributes"] = attributes;
    }
    if (json) {
        std::cout << j.dump(2) << "\n";
        return 0;
    }

    fmt::print("{}: adit prepared dataset (format {}), {}\n", path, d.metadata.format_version, d.metadata.created_by);
    fmt::print("structures {}  atoms {}  molecules {}  crystals {}\n", n, d.num_atoms(), molecules, n - molecules);
    fmt::print("geometry {}", d.metadata.geometry);
    for (const auto& [g, count] : geometry) fmt::print("  [{}: {}]", g, count);
    fmt::print("\n");
    fmt::print("{:<6} {:>10} {:>10} {:>10}\n", "split", "total", "molecule", "crystal");
    for (Split s : {Split::train, Split::val, Split::test}) {
        const auto& e = splits[split_name(s)];
        fmt::print("{:<6} {:>10} {:>10} {:>10}\n", split_name(s), e["structures"].get<std::int64_t>(),
                   e["molecule"].get<std::int64_t>(), e["crystal"].get<std::int64_t>());
    }
    fmt::print("elements:");
    for (const auto& [z, count] : elements) fmt::print(" {} {}", element(z).symbol, count);
    fmt::print("\natoms per structure:");
    for (const auto& [atoms, count] : sizes) fmt::print(" {}:{}", atoms, count);
    fmt::print("\n");
    if (molecules) fmt::print("molecules with SMILES {} of {}\n", with_smiles, molecules);
    if (!d.properties.empty()) {
        fmt::print("{:<28} {:<14} {:>8} {:>14} {:>14} {:>14}\n", "property", "unit", "count", "min", "max", "mean");
        for (const auto& q : props) {
            const bool any = q["count"].get<std::int64_t>() > 0;
            fmt::print("{:<28} {:<14} {:>8} {:>14} {:>14} {:>14}\n", q["name"].get<std::string>(), q["unit"].get<std::string>(),
                       q["count"].get<std::int64_t>(), any ? fmt::format("{:.6g}", q["min"].get<double>()) : "-",
                       any ? fmt::format("{:.6g}", q["max"].get<double>()) : "-",
                       any ? fmt::format("{:.6g}", q["mean"].get<double>()) : "-");
        }
    }
    for (const PreparedSource& s : d.metadata.sources)
        fmt::print("source {}  sha256 {}  records {}  skipped {}\n", s.path, s.sha256, s.records, s.skipped);
    fmt::print("command: {}\n", d.metadata.command_line);
    for (const auto& [name, value] : d.metadata.attributes) fmt::print("{}: {}\n", name, value);
    return 0;
}

}  // namespace adit::cli
