// Validation of a DiT during training: sample a few structures of each system the model was
// trained on (with the weights it is given: the trainer passes its EMA weights) and report their
// validity through the evaluation library: molecules as `adit eval molecules` judges them
// (valid, connected, EDM atom/molecule stability), crystals by CDVAE's structural and SMACT
// compositional validity. The trainer does not depend on this layer: the CLI hands it in as
// train::RunOptions::dit_validation.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "adit/models/checkpoint.hpp"

namespace adit::sample {

struct DiTValidationOptions {
    std::int64_t samples = 16;   // per system
    std::int64_t steps = 50;     // Euler steps
    double cfg_scale = 2.0;
    std::uint64_t seed = 0;      // the same noise at every validation, so numbers compare across steps
    int threads = 0;             // evaluation threads (0 = all cores)
};

// {"molecule": {"samples", "valid", "valid_connected", "atom_stable", "mol_stable"},
//  "crystal": {"samples", "structural_valid", "composition_valid", "valid"}, "seconds"}; a
// system the model saw no structure of is left out. Fractions in [0, 1].
nlohmann::json validate_dit(models::LoadedDiT& model, const DiTValidationOptions& options = {});

// Reads options from a config's [validation] table (samples, steps, cfg, seed); absent keys keep
// their defaults.
DiTValidationOptions dit_validation_options_from_json(const nlohmann::json& j);

}  // namespace adit::sample
