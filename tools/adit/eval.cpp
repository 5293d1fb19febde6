// adit eval molecules|crystals FILE: the papers' evaluation protocols (see docs/eval.md).
// stdout: a human table; --json: the metrics (fractions in 0..1); --per-structure: a CSV of
// per-structure verdicts in input order.
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/interop/depiction.hpp"
#include "adit/interop/symmetry.hpp"
#include "adit/io/text_file.hpp"
#include "adit/metrics/crystal_evaluation.hpp"
#include "adit/metrics/molecule_evaluation.hpp"
#include "command.hpp"
#include "eval_geometry.hpp"
#include "eval_inputs.hpp"

namespace adit::cli {
namespace {

struct EvalArgs {
    std::string input;
    std::string json_path;
    std::string csv_path;
    std::vector<std::string> reference;
    std::string split;            // of an HDF5 input: train | val | test; "" = all
    std::string reference_split;  // of HDF5 references
    std::string grid_path;
    int grid_n = 24;
    bool use_bonds = false;
    bool no_symmetry = false;
    double stol = 0.5, ltol = 0.3, angle_tol = 10.0;
};

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c == '\n' ? ' ' : c;
    }
    return q + "\"";
}

void write_text(const std::string& path, const std::string& text) {
    AtomicOutput out(path);
    out.stream() << text;
    out.commit();
}

ProgressCallback progress_to_log() {
    return [](std::size_t done, std::size_t total, std::string_view what) { log_info("{}/{} {}", done, total, what); };
}

// --reference-split applies to the HDF5 references only, so it may be mixed with CSV/SMILES ones.
std::string split_for(const std::string& path, const std::string& split) {
    std::string lower = path;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool h5 = (lower.size() > 3 && lower.compare(lower.size() - 3, 3, ".h5") == 0) ||
                    (lower.size() > 5 && lower.compare(lower.size() - 5, 5, ".hdf5") == 0);
    return h5 ? split : std::string();
}

nlohmann::json fraction_or_null(bool have, double x) { return have ? nlohmann::json(x) : nlohmann::json(nullptr); }

int run_molecules(const EvalArgs& a, const GlobalOptions& g) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Structure> mols = load_structures(a.input, a.split);
    log_info("{}: {} molecules", a.input, mols.size());
    std::unordered_set<std::string> reference;
    metrics::MoleculeEvalOptions o;
    o.threads = g.threads;
    o.use_given_bonds = a.use_bonds;
    if (!a.reference.empty()) {
        for (const std::string& path : a.reference) {
            std::unordered_set<std::string> part = load_reference_smiles(path, g.threads, split_for(path, a.reference_split));
            reference.insert(part.begin(), part.end());
        }
        o.reference_smiles = &reference;
    }
    metrics::MoleculeEvaluation e = metrics::evaluate_molecules(mols, o, progress_to_log());
    const metrics::MoleculeSummary& m = e.summary;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    nlohmann::ordered_json j;
    j["kind"] = "molecules";
    j["input"] = a.input;
    if (!a.split.empty()) j["split"] = a.split;
    j["count"] = m.count;
    j["validity"] = m.fraction(m.valid, m.count);
    j["connected"] = m.fraction(m.connected, m.count);
    j["valid_and_connected"] = m.fraction(m.valid_connected, m.count);
    j["uniqueness"] = m.fraction(m.unique, m.valid);
    j["novelty"] = fraction_or_null(m.novelty_computed, m.fraction(m.novel, m.valid));
    j["atom_stability"] = m.fraction(m.stable_atoms, m.atoms);
    j["molecule_stability"] = m.fraction(m.stable_molecules, m.count);
    j["bond_lengths"] = m.fraction(m.bond_lengths_ok, m.valid);
    j["bond_angles"] = m.fraction(m.bond_angles_ok, m.valid);
    j["no_internal_clash"] = m.fraction(m.no_clash, m.valid);
    j["counts"] = {{"molecules", m.count},         {"valid", m.valid},   {"connected", m.connected},
                   {"valid_and_connected", m.valid_connected}, {"unique", m.unique},
                   {"novel", m.novelty_computed ? nlohmann::json(m.novel) : nlohmann::json(nullptr)},
                   {"atoms", m.atoms},             {"stable_atoms", m.stable_atoms},
                   {"stable_molecules", m.stable_molecules}};
    j["reference"] = a.reference;
    j["seconds"] = seconds;

    std::cout << fmt::format("{:<26}{:>10}\n", "metric", "value");
    std::cout << fmt::format("{:<26}{:>10}\n", "molecules", m.count);
    auto row = [](const char* name, double x) { std::cout << fmt::format("{:<26}{:>9.2f}%\n", name, 100 * x); };
    row("validity", j["validity"]);
    row("connected", j["connected"]);
    row("valid and connected", j["valid_and_connected"]);
    row("uniqueness (of valid)", j["uniqueness"]);
    if (m.novelty_computed) row("novelty (of valid)", j["novelty"]);
    row("atom stability", j["atom_stability"]);
    row("molecule stability", j["molecule_stability"]);
    row("bond lengths ok (valid)", j["bond_lengths"]);
    row("bond angles ok (valid)", j["bond_angles"]);
    row("no clash (valid)", j["no_internal_clash"]);

    if (!a.json_path.empty()) write_text(a.json_path, j.dump(2) + "\n");
    if (!a.csv_path.empty()) {
        std::string csv = "index,valid,connected,smiles,atom_stable_fraction,mol_stable,reason\n";
        for (std::size_t i = 0; i < e.records.size(); ++i) {
            const auto& r = e.records[i];
            csv += fmt::format("{},{},{},{},{:.6g},{},{}\n", i, int(r.valid), int(r.connected), csv_field(r.smiles),
                               r.atom_stable_fraction(), int(r.mol_stable), csv_field(r.reason));
        }
        write_text(a.csv_path, csv);
    }
    if (!a.grid_path.empty()) {
        std::vector<Structure> shown;
        std::vector<std::string> captions;
        for (std::size_t i = 0; i < mols.size() && static_cast<int>(shown.size()) < a.grid_n; ++i)
            if (e.records[i].valid) {
                shown.push_back(mols[i]);
                captions.push_back(fmt::format("#{} {}", i, e.records[i].smiles));
            }
        if (shown.empty()) log_warn("no valid molecule to draw; {} not written", a.grid_path);
        else write_text(a.grid_path, interop::draw_molecule_grid(shown, captions));
    }
    log_info("evaluated {} molecules in {:.2f} s", m.count, seconds);
    return 0;
}

int run_crystals(const EvalArgs& a, const GlobalOptions& g) {
    const auto t0 = std::chrono::steady_clock::now();
    LoadedStructures loaded = load_structures_tolerant(a.input, a.split);
    const std::vector<Structure>& crystals = loaded.structures;
    log_info("{}: {} crystals", a.input, crystals.size());
    std::vector<Structure> reference;
    metrics::CrystalEvalOptions o;
    o.threads = g.threads;
    o.matcher.stol = a.stol;
    o.matcher.ltol = a.ltol;
    o.matcher.angle_tol = a.angle_tol;
    if (!a.reference.empty()) {
        for (const std::string& path : a.reference) {
            std::vector<Structure> part = load_structures(path, split_for(path, a.reference_split));
            log_info("reference: {} crystals from {}", part.size(), path);
            reference.insert(reference.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        }
        o.reference = &reference;
    }
    if (!a.no_symmetry)
        o.space_group = [](const Structure& s) { return find_space_group(s, SymmetryTolerance{0.1, 5.0}).number; };
    metrics::CrystalEvaluation e = metrics::evaluate_crystals(crystals, o, progress_to_log());
    for (std::size_t i = 0; i < crystals.size(); ++i)
        if (!loaded.errors[i].empty()) e.records[i].reason = "unreadable: " + loaded.errors[i];
    const metrics::CrystalSummary& m = e.summary;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    nlohmann::ordered_json j;
    j["kind"] = "crystals";
    j["input"] = a.input;
    if (!a.split.empty()) j["split"] = a.split;
    j["count"] = m.count;
    j["structural_validity"] = m.fraction(m.struct_valid, m.count);
    j["compositional_validity"] = m.fraction(m.comp_valid, m.count);
    j["validity"] = m.fraction(m.valid, m.count);
    j["uniqueness"] = m.fraction(m.unique, m.valid);
    j["novelty"] = fraction_or_null(m.novelty_computed, m.fraction(m.novel, m.unique));
    j["wdist_density"] = m.wdist_density ? nlohmann::json(*m.wdist_density) : nlohmann::json(nullptr);
    j["wdist_num_elements"] = m.wdist_num_elements ? nlohmann::json(*m.wdist_num_elements) : nlohmann::json(nullptr);
    j["coverage_recall"] = m.coverage_recall ? nlohmann::json(*m.coverage_recall) : nlohmann::json(nullptr);
    j["coverage_precision"] = m.coverage_precision ? nlohmann::json(*m.coverage_precision) : nlohmann::json(nullptr);
    nlohmann::ordered_json sg = nlohmann::ordered_json::object();
    for (const auto& [number, count] : m.space_groups) sg[std::to_string(number)] = count;
    j["space_groups"] = sg;
    j["counts"] = {{"crystals", m.count}, {"structurally_valid", m.struct_valid}, {"compositionally_valid", m.comp_valid},
                   {"valid", m.valid},    {"unique", m.unique},
                   {"novel", m.novelty_computed ? nlohmann::json(m.novel) : nlohmann::json(nullptr)}};
    j["matcher"] = {{"stol", a.stol}, {"ltol", a.ltol}, {"angle_tol", a.angle_tol}};
    j["reference"] = a.reference;
    j["reference_count"] = m.reference_count;
    j["seconds"] = seconds;

    std::cout << fmt::format("{:<28}{:>10}\n", "metric", "value");
    std::cout << fmt::format("{:<28}{:>10}\n", "crystals", m.count);
    auto row = [](const char* name, double x) { std::cout << fmt::format("{:<28}{:>9.2f}%\n", name, 100 * x); };
    row("structural validity", j["structural_validity"]);
    row("compositional validity", j["compositional_validity"]);
    row("validity (both)", j["validity"]);
    row("uniqueness (of valid)", j["uniqueness"]);
    if (m.novelty_computed) row("novelty (of unique)", j["novelty"]);
    if (m.wdist_density) std::cout << fmt::format("{:<28}{:>10.4f}\n", "wdist density (g/cm^3)", *m.wdist_density);
    if (m.wdist_num_elements) std::cout << fmt::format("{:<28}{:>10.4f}\n", "wdist #elements", *m.wdist_num_elements);
    if (m.coverage_recall) row("coverage recall*", *m.coverage_recall);
    if (m.coverage_precision) row("coverage precision*", *m.coverage_precision);
    if (!m.space_groups.empty()) {
        std::vector<std::pair<std::size_t, int>> top;
        for (const auto& [number, count] : m.space_groups) top.emplace_back(count, number);
        std::sort(top.rbegin(), top.rend());
        std::string line;
        for (std::size_t k = 0; k < top.size() && k < 5; ++k) line += fmt::format(" {}:{}", top[k].second, top[k].first);
        std::cout << fmt::format("{:<28}{}\n", "top space groups", line);
    }

    if (!a.json_path.empty()) write_text(a.json_path, j.dump(2) + "\n");
    if (!a.csv_path.empty()) {
        std::string csv = "index,valid,struct_valid,comp_valid,unique,novel,space_group,density,reason\n";
        for (std::size_t i = 0; i < e.records.size(); ++i) {
            const auto& r = e.records[i];
            csv += fmt::format("{},{},{},{},{},{},{},{:.6g},{}\n", i, int(r.valid), int(r.struct_valid), int(r.comp_valid),
                               int(r.unique), r.novel ? std::to_string(int(*r.novel)) : std::string(), r.space_group,
                               r.density, csv_field(r.reason));
        }
        write_text(a.csv_path, csv);
    }
    log_info("evaluated {} crystals in {:.2f} s", m.count, seconds);
    return 0;
}

}  // namespace

Command register_eval(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* sub = parent.add_subcommand("eval", "Evaluate generated molecules or crystals as the papers do");
    sub->require_subcommand(1);
    auto args = std::make_shared<EvalArgs>();
    auto common = [&](CLI::App* app) {
        app->add_option("file", args->input, "structures to evaluate (file or directory of CIFs)")->required();
        app->add_option("--json", args->json_path, "write the metrics as JSON");
        app->add_option("--per-structure", args->csv_path, "write per-structure verdicts as CSV");
        app->add_option("--split", args->split, "of an HDF5 dataset input: evaluate only this split")
            ->check(CLI::IsMember({"train", "val", "test"}));
        app->add_option("--reference-split", args->reference_split, "of HDF5 references: use only this split")
            ->check(CLI::IsMember({"train", "val", "test"}));
    };
    CLI::App* mol = sub->add_subcommand("molecules", "QM9 protocol: validity, uniqueness, novelty, stability");
    common(mol);
    mol->add_option("--reference", args->reference, "training SMILES (.smi/.csv) or structures, for novelty (repeatable)");
    mol->add_flag("--use-bonds", args->use_bonds, "use the file's bonds (SDF) instead of Open Babel perception");
    mol->add_option("--grid", args->grid_path, "also draw the first valid molecules to this SVG");
    mol->add_option("--grid-n", args->grid_n, "molecules in the --grid drawing")->check(CLI::PositiveNumber);
    CLI::App* cry = sub->add_subcommand("crystals", "CDVAE protocol: validity, uniqueness, novelty, distributions");
    common(cry);
    cry->add_option("--reference", args->reference, "training crystals (CDVAE CSV, CIFs...) for novelty and distributions (repeatable)");
    cry->add_option("--stol", args->stol, "matcher site tolerance (default 0.5, as ADiT)");
    cry->add_option("--ltol", args->ltol, "matcher length tolerance (default 0.3, as ADiT)");
    cry->add_option("--angle-tol", args->angle_tol, "matcher angle tolerance, degrees (default 10, as ADiT)");
    cry->add_flag("--no-symmetry", args->no_symmetry, "skip the spglib space groups");
    Command geometry = add_eval_geometry(*sub, global);  // Molecule3D metrics, eval_geometry.cpp
    return {sub, [mol, geometry, args, &global] {
                if (geometry.app->parsed()) return geometry.run();
                return guarded("eval", [&] {
                    if (mol->parsed()) return run_molecules(*args, global);
                    return run_crystals(*args, global);
                });
            }};
}

}  // namespace adit::cli
