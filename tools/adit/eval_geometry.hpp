// `adit eval geometry` (Molecule3D metrics) and `adit train conformer`: subcommands that live
// under nodes owned by eval.cpp and train.cpp. Each parent registers them once and, when the
// child was parsed, returns child.run().
#pragma once

#include <string>

#include "command.hpp"

namespace adit::cli {

// Adds `geometry PRED.sdf REF.sdf [--json out.json] [--per-molecule out.csv]` under `eval`.
Command add_eval_geometry(CLI::App& eval, const GlobalOptions& global);

// The whole of `adit eval geometry` without CLI11: prints the table to stdout, writes the JSON
// and per-molecule CSV when their paths are non-empty; returns the exit status.
int run_eval_geometry(const std::string& predicted_sdf, const std::string& reference_sdf,
                      const std::string& json_path, const std::string& per_molecule_csv);

// Adds `conformer --config C.toml --data TRAIN.sdf --out DIR ...` under `train`.
Command add_train_conformer(CLI::App& train, const GlobalOptions& global);

}  // namespace adit::cli
