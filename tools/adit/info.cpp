// adit info FILE: per structure its formula, size, cell, volume, density and spglib space group
// (pymatgen's SpacegroupAnalyzer conventions: symprec 0.1 Å, angle tolerance 5°). Prepared
// datasets (.h5) and model checkpoints (.pt) are summarised by info_dataset/info_model.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/text.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/interop/symmetry.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

struct InfoOptions {
    std::string path;
    std::string format;
    bool json = false;
    double symprec = 0.1;
    double angle_tolerance = 5.0;
};

struct Summary {
    const Structure* structure = nullptr;
    std::string formula;
    std::optional<LatticeParameters> cell;
    double volume = 0, density = 0;
    std::optional<SpaceGroup> space_group;
};

Summary summarize(const Structure& s, const SymmetryTolerance& tolerance) {
    Summary out;
    out.structure = &s;
    out.formula = chemical_formula(s);
    if (s.lattice) {
        out.cell = s.lattice->parameters();
        out.volume = s.lattice->volume();
        out.density = adit::density(s);
        try {
            out.space_group = find_space_group(s, tolerance);
        } catch (const Error& e) {
            log_warn("{}", e.what());
        }
    }
    return out;
}

nlohmann::ordered_json to_json(const Summary& x) {
    const Structure& s = *x.structure;
    nlohmann::ordered_json j;
    j["id"] = s.id;
    j["formula"] = x.formula;
    j["num_atoms"] = s.size();
    j["periodic"] = s.is_periodic();
    if (x.cell) {
        j["lattice"] = {{"a", x.cell->a},         {"b", x.cell->b},        {"c", x.cell->c},
                        {"alpha", x.cell->alpha}, {"beta", x.cell->beta}, {"gamma", x.cell->gamma}};
        j["volume"] = x.volume;
        j["density"] = x.density;
    } else {
        j["lattice"] = nullptr;
        j["volume"] = nullptr;
        j["density"] = nullptr;
    }
    if (x.space_group)
        j["spacegroup"] = {{"number", x.space_group->number}, {"symbol", x.space_group->symbol}};
    else
        j["spacegroup"] = nullptr;
    nlohmann::ordered_json props = nlohmann::ordered_json::object();
    for (const auto& [key, value] : s.properties) {
        if (const double* d = std::get_if<double>(&value)) props[key] = *d;
        else props[key] = std::get<std::string>(value);
    }
    j["properties"] = props;
    return j;
}

void print_table(const std::vector<Summary>& rows) {
    fmt::print("{:>4}  {:<16} {:<14} {:>6} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>11} {:>8}  {}\n", "#", "id",
               "formula", "atoms", "a/Å", "b/Å", "c/Å", "alpha", "beta", "gamma", "volume/Å^3", "g/cm^3",
               "spacegroup");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Summary& x = rows[i];
        const std::string id = x.structure->id.empty() ? "-" : x.structure->id;
        if (!x.cell) {
            fmt::print("{:>4}  {:<16} {:<14} {:>6} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>11} {:>8}  {}\n", i + 1, id,
                       x.formula, x.structure->size(), "-", "-", "-", "-", "-", "-", "-", "-", "-");
            continue;
        }
        const std::string sg =
            x.space_group ? fmt::format("{} ({})", x.space_group->symbol, x.space_group->number) : "?";
        fmt::print("{:>4}  {:<16} {:<14} {:>6} {:>9.4f} {:>9.4f} {:>9.4f} {:>8.3f} {:>8.3f} {:>8.3f} {:>11.3f} {:>8.4f}  {}\n",
                   i + 1, id, x.formula, x.structure->size(), x.cell->a, x.cell->b, x.cell->c, x.cell->alpha,
                   x.cell->beta, x.cell->gamma, x.volume, x.density, sg);
    }
}

int run_info(const InfoOptions& o) {
    const std::string lower = to_lower(o.path);
    if (ends_with(lower, ".pt")) return info_model(o.path, o.json);
    ReadOptions read;
    if (!o.format.empty()) read.format = format_from_name(o.format);
    if (read.format == FileFormat::hdf5 || (!read.format && (ends_with(lower, ".h5") || ends_with(lower, ".hdf5"))))
        return info_dataset(o.path, o.json);
    const std::vector<Structure> structures = read_structures(o.path, read);
    const SymmetryTolerance tolerance{o.symprec, o.angle_tolerance};
    std::vector<Summary> rows;
    rows.reserve(structures.size());
    for (const Structure& s : structures) rows.push_back(summarize(s, tolerance));
    if (!o.json) {
        print_table(rows);
        return 0;
    }
    nlohmann::ordered_json out;
    if (rows.size() == 1) {
        out = to_json(rows[0]);
    } else {
        out["structures"] = nlohmann::ordered_json::array();
        for (const Summary& x : rows) out["structures"].push_back(to_json(x));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
}

}  // namespace

Command register_info(CLI::App& parent, const GlobalOptions&) {
    auto opts = std::make_shared<InfoOptions>();
    CLI::App* sub = parent.add_subcommand("info", "Describe structures (formula, cell, density, space group), prepared datasets or models");
    sub->add_option("file", opts->path, "structure file (xyz, extxyz, sdf, cif, csv, or a directory of *.cif), .h5 or .pt")
        ->required();
    sub->add_flag("--json", opts->json, "JSON on stdout: {\"structures\": [...]}, or one object for one structure");
    sub->add_option("--format,-i", opts->format, "input format, overriding the extension");
    sub->add_option("--symprec", opts->symprec, "spglib distance tolerance, Å (pymatgen's default 0.1)")
        ->capture_default_str();
    sub->add_option("--angle-tolerance", opts->angle_tolerance, "spglib angle tolerance, degrees")->capture_default_str();
    return {sub, [opts] { return guarded("info", [&] { return run_info(*opts); }); }};
}

}  // namespace adit::cli
