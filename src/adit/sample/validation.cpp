// DiT validation by sampling (see validation.hpp).
#include "adit/sample/validation.hpp"

#include <chrono>

#include "adit/core/error.hpp"
#include "adit/metrics/crystal_validity.hpp"
#include "adit/metrics/molecule_evaluation.hpp"
#include "adit/sample/sampler.hpp"

namespace adit::sample {

using nlohmann::json;

DiTValidationOptions dit_validation_options_from_json(const json& j) {
    DiTValidationOptions o;
    if (j.is_null()) return o;
    o.samples = j.value("samples", o.samples);
    o.steps = j.value("steps", o.steps);
    o.cfg_scale = j.value("cfg", o.cfg_scale);
    o.seed = j.value("seed", o.seed);
    if (o.samples < 0) fail("validation.samples must be >= 0");
    if (o.steps < 1) fail("validation.steps must be >= 1");
    return o;
}

namespace {

bool has_histogram(const json& metadata, const std::string& system) {
    const auto& h = metadata.at("atom_count_histogram");
    if (!h.contains(system)) return false;
    for (const auto& x : h.at(system))
        if (x.get<double>() > 0) return true;
    return false;
}

}  // namespace

json validate_dit(models::LoadedDiT& model, const DiTValidationOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    json out = json::object();
    if (o.samples == 0) return out;
    SamplerOptions so;
    so.steps = o.steps;
    so.cfg_scale = o.cfg_scale;
    // The training module's own forward under the trainer's autocast: validation numbers stay
    // comparable with those of runs before the fast engine, and no graph is captured mid-training.
    so.engine = "module";
    so.refine = 0;            // and the plain integration, guided at every step, as before
    so.guidance_until = 1.0;  // the refinement passes and the unguided last steps existed
    torch::manual_seed(o.seed);
    if (has_histogram(model.metadata, "molecule")) {
        const auto mols = sample_structures(model, "molecule", o.samples, so);
        metrics::MoleculeEvalOptions eo;
        eo.threads = o.threads;
        const auto e = evaluate_molecules(mols, eo);
        const auto& s = e.summary;
        out["molecule"] = {{"samples", s.count},
                           {"valid", s.fraction(s.valid, s.count)},
                           {"valid_connected", s.fraction(s.valid_connected, s.count)},
                           {"atom_stable", s.fraction(s.stable_atoms, s.atoms)},
                           {"mol_stable", s.fraction(s.stable_molecules, s.count)}};
    }
    if (has_histogram(model.metadata, "crystal")) {
        const auto crystals = sample_structures(model, "crystal", o.samples, so);
        std::size_t structural = 0, composition = 0, both = 0;
        for (const auto& c : crystals) {
            const bool st = metrics::structural_validity(c).valid;
            const bool co = metrics::smact_validity(c.numbers);
            structural += st;
            composition += co;
            both += st && co;
        }
        const double n = double(crystals.size());
        out["crystal"] = {{"samples", crystals.size()},
                          {"structural_valid", double(structural) / n},
                          {"composition_valid", double(composition) / n},
                          {"valid", double(both) / n}};
    }
    out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

}  // namespace adit::sample
