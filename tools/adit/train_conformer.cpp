// adit train conformer: trains the Molecule3D graph-transformer geometry model
// (src/adit/models/conformer.hpp) from SDF records with DFT geometries and a `smiles` data item.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <filesystem>
#include <iostream>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/interop/molecule_sdf.hpp"
#include "adit/io/format.hpp"
#include "adit/models/conformer.hpp"
#include "eval_geometry.hpp"
#include "train_config.hpp"

namespace adit::cli {

namespace {

struct TrainConformerArgs {
    std::string config, data, out;
    double max_minutes = -1;  // overrides the config when >= 0
};

template <typename T>
void take(const toml::table& t, const char* section, const char* key, T& value) {
    if (auto v = t[section][key].value<T>()) value = *v;
}

int run_train_conformer(const TrainConformerArgs& a, const GlobalOptions& g) {
    toml::table config;
    try {
        config = toml::parse_file(a.config);
    } catch (const toml::parse_error& e) {
        fail("{}: {}", a.config, e.description());
    }
    models::ConformerOptions m;
    take(config, "model", "d_model", m.d_model);
    take(config, "model", "num_heads", m.num_heads);
    take(config, "model", "num_layers", m.num_layers);
    take(config, "model", "ffn_multiplier", m.ffn_multiplier);
    take(config, "model", "max_hops", m.max_hops);
    take(config, "model", "attention", m.attention);
    take(config, "model", "masa_atoms", m.masa_atoms);
    take(config, "model", "dropout", m.dropout);
    models::ConformerTrainOptions t;
    take(config, "train", "batch_size", t.batch_size);
    take(config, "train", "learning_rate", t.learning_rate);
    take(config, "train", "weight_decay", t.weight_decay);
    take(config, "train", "epochs", t.epochs);
    take(config, "train", "max_minutes", t.max_minutes);
    take(config, "train", "valid_fraction", t.valid_fraction);
    take(config, "train", "local_weight", t.local_weight);
    if (a.max_minutes >= 0) t.max_minutes = a.max_minutes;
    t.seed = g.seed;
    t.threads = g.threads;
    t.device = g.device;

    // An SDF, or a prepared .h5 (whole or FILE.h5:train) whose SMILES give the atom order.
    const auto [file, split] = split_suffix(a.data);
    const auto records = split.empty() && format_from_path(file) != FileFormat::hdf5 ? interop::read_molecule_sdf(file)
                                                                                     : read_data_entry(file, split);
    const auto examples = models::conformer_examples(records);
    log_info("{} training molecules from {}", examples.size(), a.data);
    std::filesystem::create_directories(a.out);
    const std::string checkpoint = (std::filesystem::path(a.out) / "model.pt").string();
    std::ostringstream config_text;
    config_text << toml::json_formatter{config};
    const auto report = models::train_conformer(examples, m, t, checkpoint, config_text.str(),
                                                [](std::size_t done, std::size_t total, std::string_view status) {
                                                    log_debug("step {}/{}: {}", done, total, status);
                                                });
    nlohmann::ordered_json j;
    j["model"] = checkpoint;
    j["train_molecules"] = report.train_molecules;
    j["valid_molecules"] = report.valid_molecules;
    j["epochs"] = report.epochs;
    j["steps"] = report.steps;
    j["best_valid_d_mae"] = report.best_valid_d_mae;
    j["seconds"] = report.seconds;
    std::cout << j.dump(2) << "\n";
    return 0;
}

}  // namespace

Command add_train_conformer(CLI::App& train, const GlobalOptions& global) {
    auto args = std::make_shared<TrainConformerArgs>();
    CLI::App* sub = train.add_subcommand("conformer", "Train the graph-transformer geometry model (Molecule3D task)");
    sub->add_option("--config", args->config, "TOML config ([model], [train]; see configs/conformer-*.toml)")
        ->required()
        ->check(CLI::ExistingFile);
    sub->add_option("--data", args->data,
                    "training geometries: an SDF with a `smiles` data item per record (atoms in its order, explicit H), "
                    "or a .h5 prepared from one (FILE.h5 or FILE.h5:train)")
        ->required();
    sub->add_option("--out", args->out, "output directory (model.pt)")->required();
    sub->add_option("--max-minutes", args->max_minutes, "wall-time budget, overrides [train] max_minutes");
    return {sub, [args, &global] { return guarded("train conformer", [&] { return run_train_conformer(*args, global); }); }};
}

}  // namespace adit::cli
