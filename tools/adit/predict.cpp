// adit predict: molecular properties from SMILES with a fine-tuned MoleBLEND model (adit
// finetune), one output row per input, in input order.
#include <cmath>
#include <iostream>
#include <memory>

#include "adit/core/error.hpp"
#include "adit/core/shipped_models.hpp"
#include "adit/interop/smiles_graph.hpp"
#include "adit/train/moleblend_trainer.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

struct PredictArgs {
    std::string model, smiles, smiles_file;
    bool json = false;
};

int run_predict(const PredictArgs& a, const GlobalOptions& g) {
    if (a.smiles.empty() == a.smiles_file.empty()) fail("give exactly one of --smiles and --smiles-file");
    const std::string path = a.model.empty() ? shipped_model_path("moleblend-qm9.pt") : a.model;
    auto pm = train::load_property_model(path, torch::Device(g.device));
    if (pm.use_3d) fail("{}: this model was fine-tuned with 3D input (--use-3d); adit predict needs a 2D (SMILES) model", path);

    std::vector<interop::SmilesLine> lines;
    if (!a.smiles.empty()) lines.push_back({1, a.smiles, ""});
    else lines = interop::read_smiles_lines(a.smiles_file);
    std::vector<models::MoleBlendMolecule> mols;
    std::vector<int> row_of(lines.size(), -1);
    for (std::size_t k = 0; k < lines.size(); ++k) {
        try {
            mols.push_back(models::moleblend_molecule(interop::smiles_graph(lines[k].smiles)));
            row_of[k] = int(mols.size()) - 1;
        } catch (const std::exception&) {
            std::cerr << fmt::format("adit predict: {}line {}: cannot parse SMILES '{}'; its values are null\n",
                                     a.smiles_file.empty() ? "" : a.smiles_file + ":", lines[k].line, lines[k].smiles);
        }
    }
    const auto values = train::predict_properties(pm, mols);

    if (a.json) {
        nlohmann::ordered_json j;
        j["units"] = nlohmann::ordered_json::object();
        for (const auto& t : pm.targets) j["units"][t.name] = t.unit;
        j["predictions"] = nlohmann::ordered_json::array();
        for (std::size_t k = 0; k < lines.size(); ++k) {
            nlohmann::ordered_json row;
            row["smiles"] = lines[k].smiles;
            for (std::size_t t = 0; t < pm.targets.size(); ++t)
                row[pm.targets[t].name] = row_of[k] < 0 ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(values[std::size_t(row_of[k])][t]);
            j["predictions"].push_back(row);
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "smiles";
    for (const auto& t : pm.targets) std::cout << "\t" << t.name << " (" << t.unit << ")";
    std::cout << "\n";
    for (std::size_t k = 0; k < lines.size(); ++k) {
        std::cout << lines[k].smiles;
        for (std::size_t t = 0; t < pm.targets.size(); ++t)
            std::cout << "\t" << (row_of[k] < 0 ? std::string("null") : fmt::format("{:.4f}", values[std::size_t(row_of[k])][t]));
        std::cout << "\n";
    }
    return 0;
}

}  // namespace

Command register_predict(CLI::App& parent, const GlobalOptions& global) {
    auto args = std::make_shared<PredictArgs>();
    CLI::App* sub = parent.add_subcommand("predict", "Predict molecular properties (HOMO, LUMO, gap, ...) from SMILES");
    sub->add_option("--model", args->model, "fine-tuned model.pt (default: the shipped moleblend-qm9.pt)")
        ->check(CLI::ExistingFile);
    sub->add_option("--smiles", args->smiles, "one SMILES");
    sub->add_option("--smiles-file", args->smiles_file, "file with one SMILES per line (optional name after it)")
        ->check(CLI::ExistingFile);
    sub->add_flag("--json", args->json, "JSON output: {\"units\": {...}, \"predictions\": [{\"smiles\": ..., ...}]}");
    return {sub, [args, &global] { return guarded("predict", [&] { return run_predict(*args, global); }); }};
}

}  // namespace adit::cli
