// adit match A B: are two crystal structures the same? pymatgen StructureMatcher() semantics
// with its defaults (metrics/structure_matcher.hpp). --pairs FILE matches many pairs given as
// JSON lines (used by eval/crystals/compare_matcher.py against pymatgen).
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/parallel.hpp"
#include "adit/core/text.hpp"
#include "adit/io/text_file.hpp"
#include "adit/metrics/structure_matcher.hpp"
#include "command.hpp"
#include "eval_inputs.hpp"

namespace adit::cli {
namespace {

struct MatchArgs {
    std::string a, b, pairs;
    bool json = false;
    metrics::MatcherOptions options;  // pymatgen defaults
};

nlohmann::json result_json(const metrics::MatchResult& r) {
    nlohmann::ordered_json j;
    j["match"] = r.match;
    j["rms"] = r.rms ? nlohmann::json(*r.rms) : nlohmann::json(nullptr);
    j["max_dist"] = r.max_dist ? nlohmann::json(*r.max_dist) : nlohmann::json(nullptr);
    return j;
}

// {"lattice": [[ax,ay,az],[bx,by,bz],[cx,cy,cz]] (Å), "species": [Z or "Fe", ...],
//  "frac_coords": [[x,y,z], ...]}
Structure structure_from_json(const nlohmann::json& j) {
    Structure s;
    Eigen::Matrix3d m;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) m(r, c) = j.at("lattice").at(r).at(c).get<double>();
    s.lattice = Lattice(m);
    for (const auto& sp : j.at("species")) {
        int z = sp.is_number() ? sp.get<int>() : atomic_number(sp.get<std::string>());
        if (!is_known_element(z)) fail("unknown species {}", sp.dump());
        s.numbers.push_back(z);
    }
    std::vector<Eigen::Vector3d> f;
    for (const auto& p : j.at("frac_coords")) f.emplace_back(p.at(0).get<double>(), p.at(1).get<double>(), p.at(2).get<double>());
    if (f.size() != s.numbers.size()) fail("species and frac_coords differ in length");
    s.positions.resize(f.size());
    s.set_fractional_positions(f);
    s.validate();
    return s;
}

Structure first_structure(const std::string& path) {
    std::vector<Structure> all = load_structures(path);
    if (all.empty()) fail("{}: no structure", path);
    if (all.size() > 1) log_warn("{}: {} structures, matching the first", path, all.size());
    if (!all[0].is_periodic()) fail("{}: not a crystal (no lattice)", path);
    return all[0];
}

int run_pairs(const MatchArgs& a, const GlobalOptions& g) {
    std::vector<std::string> lines;
    for (const std::string& line : split(read_text_file(a.pairs), '\n'))
        if (!std::string(trim(line)).empty()) lines.push_back(line);
    std::vector<std::string> out(lines.size());
    parallel_for(lines.size(), g.threads, [&](std::size_t i) {
        nlohmann::ordered_json r;
        try {
            nlohmann::json j = nlohmann::json::parse(lines[i]);
            Structure sa = structure_from_json(j.at("a")), sb = structure_from_json(j.at("b"));
            r = result_json(metrics::match_structures(sa, sb, a.options));
        } catch (const std::exception& e) {
            r["match"] = false;
            r["rms"] = nullptr;
            r["error"] = e.what();
        }
        out[i] = r.dump();
    });
    for (const std::string& s : out) std::cout << s << "\n";
    return 0;
}

}  // namespace

Command register_match(CLI::App& parent, const GlobalOptions& global) {
    CLI::App* sub = parent.add_subcommand("match", "Are two crystal structures the same? (pymatgen StructureMatcher)");
    auto args = std::make_shared<MatchArgs>();
    sub->add_option("a", args->a, "first structure (CIF, CDVAE CSV, extXYZ...; the first record is used)");
    sub->add_option("b", args->b, "second structure");
    sub->add_option("--pairs", args->pairs, "JSON lines {\"a\": {...}, \"b\": {...}}: one result line per pair");
    sub->add_flag("--json", args->json, "print {\"match\": ..., \"rms\": ...}");
    sub->add_option("--ltol", args->options.ltol, "fractional length tolerance (pymatgen default 0.2)");
    sub->add_option("--stol", args->options.stol, "site tolerance, fraction of (V/N)^(1/3) (default 0.3)");
    sub->add_option("--angle-tol", args->options.angle_tol, "angle tolerance in degrees (default 5)");
    return {sub, [args, &global] {
                return guarded("match", [&] {
                    if (!args->pairs.empty()) return run_pairs(*args, global);
                    if (args->a.empty() || args->b.empty()) fail("give two structure files (or --pairs FILE)");
                    const metrics::MatchResult r =
                        metrics::match_structures(first_structure(args->a), first_structure(args->b), args->options);
                    if (args->json) {
                        std::cout << result_json(r).dump() << "\n";
                    } else if (r.match) {
                        std::cout << fmt::format("match: yes (rms {:.4f}, max {:.4f}, in units of (V/N)^(1/3))\n", *r.rms,
                                                 *r.max_dist);
                    } else {
                        std::cout << (r.rms ? fmt::format("match: no (rms {:.4f} but a site exceeds stol)\n", *r.rms)
                                            : std::string("match: no\n"));
                    }
                    return 0;
                });
            }};
}

}  // namespace adit::cli
