// adit conformer: SMILES in, 3D geometry (explicit hydrogens) out as SDF, one record per input
// line in input order. Methods: the learned graph transformer (--model) or RDKit ETKDGv3
// (optionally MMFF94-cleaned), the Molecule3D baseline, so both run on the same molecules.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/parallel.hpp"
#include "adit/core/shipped_models.hpp"
#include "adit/interop/etkdg.hpp"
#include "adit/interop/molecule_sdf.hpp"
#include "adit/interop/smiles_graph.hpp"
#include "adit/io/text_file.hpp"
#include "adit/models/conformer_predict.hpp"
#include "command.hpp"

namespace adit::cli {

namespace {

constexpr const char* kShippedConformerModel = "conformer-qm9.pt";

struct ConformerArgs {
    std::string smiles, smiles_file, out, model, method, name;
    bool mmff = false, no_mmff = false;
    int batch_size = 256;
};

struct Input {
    std::size_t line = 0;  // 0 for --smiles
    std::string smiles, name;
};

int run_conformer(const ConformerArgs& a, const GlobalOptions& g) {
    const auto start = std::chrono::steady_clock::now();
    // Without --method: the model (--model, else the shipped models/conformer-qm9.pt), or ETKDG
    // when no model is given and none is shipped. --method model without --model insists on the
    // shipped model (shipped_model_path names every folder searched when it is absent).
    std::string method = a.method;
    std::string model_path = a.model;
    if (method.empty()) {
        method = "model";
        if (model_path.empty()) {
            try {
                model_path = shipped_model_path(kShippedConformerModel);
            } catch (const Error& e) {
                method = "etkdg";
                log_warn("no --model and no shipped {}: using RDKit ETKDG ({})", kShippedConformerModel, e.what());
            }
        }
    } else if (method == "model" && model_path.empty()) {
        model_path = shipped_model_path(kShippedConformerModel);
    }
    if (method == "etkdg" && !a.model.empty()) log_warn("--model is ignored with --method etkdg");
    // MMFF94 clean-up: on by default after the model (model+MMFF beats ETKDG+MMFF on all three
    // Molecule3D metrics, the raw model loses D-MAE and its bonds are not clean, docs/BENCHMARKS.md);
    // off by default for ETKDG, the raw Molecule3D baseline. --mmff / --no-mmff decide.
    const bool mmff = a.mmff || (!a.no_mmff && method == "model");

    std::vector<Input> inputs;
    if (!a.smiles.empty()) {
        inputs.push_back({0, a.smiles, a.name});
    } else {
        for (auto& l : interop::read_smiles_lines(a.smiles_file)) inputs.push_back({l.line, l.smiles, l.name});
    }
    const std::string source = a.smiles.empty() ? a.smiles_file : std::string("--smiles");
    const int threads = resolve_threads(g.threads);

    // Parse every input first: a SMILES RDKit rejects is reported with its line and skipped.
    std::vector<std::optional<interop::MolecularGraph>> graphs(inputs.size());
    std::vector<std::string> errors(inputs.size());
    parallel_for(inputs.size(), threads, [&](std::size_t i) {
        try {
            graphs[i] = interop::smiles_graph(inputs[i].smiles);
        } catch (const Error& e) {
            errors[i] = e.what();
        }
    });
    std::size_t unparsable = 0, failed = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!graphs[i]) {
            ++unparsable;
            log_warn("{}: {}", inputs[i].line ? fmt::format("{}:{}", source, inputs[i].line) : source, errors[i]);
        }

    std::vector<std::optional<Structure>> results(inputs.size());
    if (method == "etkdg") {
        interop::EtkdgOptions opt;
        opt.seed = g.seed;
        opt.mmff = mmff;
        parallel_for(inputs.size(), threads, [&](std::size_t i) {
            if (!graphs[i]) return;
            try {
                results[i] = interop::etkdg_conformer(inputs[i].smiles, opt);
            } catch (const Error& e) {
                errors[i] = e.what();
            }
        });
    } else {
        log_info("model {}{}", model_path, mmff ? " + MMFF94 clean-up" : "");
        models::ConformerPredictor predictor(model_path, g.device, threads);
        std::vector<const interop::MolecularGraph*> batch;
        std::vector<std::size_t> index;
        auto flush = [&] {
            if (batch.empty()) return;
            const auto coords = predictor.predict(batch);
            for (std::size_t k = 0; k < batch.size(); ++k) {
                Structure s = interop::graph_structure(*batch[k]);
                s.positions = coords[k];
                s.properties.set("geometry", "model");  // "model-mmff" once cleaned up
                // the distance-trained model does not know left from right: take the SMILES's
                interop::match_stereo_handedness(batch[k]->smiles, s.positions);
                results[index[k]] = std::move(s);
            }
            batch.clear();
            index.clear();
        };
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (graphs[i]) {
                batch.push_back(&*graphs[i]);
                index.push_back(i);
                if (static_cast<int>(batch.size()) >= a.batch_size) flush();
            }
        flush();
        if (mmff)
            parallel_for(inputs.size(), threads, [&](std::size_t i) {
                if (!results[i]) return;
                try {
                    results[i]->positions = interop::mmff_optimize(inputs[i].smiles, results[i]->positions);
                    results[i]->properties.set("geometry", "model-mmff");
                } catch (const Error& e) {
                    log_warn("{}: MMFF clean-up skipped: {}", inputs[i].smiles, e.what());
                }
            });
    }

    AtomicOutput out(a.out);
    std::size_t written = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!graphs[i]) continue;
        if (!results[i]) {
            ++failed;
            log_warn("{}: {}", inputs[i].line ? fmt::format("{}:{}", source, inputs[i].line) : source, errors[i]);
            continue;
        }
        results[i]->id = inputs[i].name;
        out.stream() << interop::molecule_sdf_record(*results[i]);
        ++written;
    }
    out.commit();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format("{} records written to {} ({}{}), {} unparsable SMILES skipped, {} failed, {:.2f} s\n",
                             written, a.out, method, mmff ? "+mmff" : "", unparsable, failed, seconds);
    return written > 0 || inputs.empty() ? 0 : 1;
}

}  // namespace

Command register_conformer(CLI::App& parent, const GlobalOptions& global) {
    auto args = std::make_shared<ConformerArgs>();
    CLI::App* sub = parent.add_subcommand("conformer", "Predict 3D geometries (explicit H) from SMILES, as SDF");
    auto* smiles = sub->add_option("--smiles", args->smiles, "one SMILES");
    auto* file = sub->add_option("--smiles-file", args->smiles_file,
                                 "SMILES file: one SMILES a line, optional name after a space (the SDF title)")
                     ->check(CLI::ExistingFile);
    smiles->excludes(file);
    sub->add_option("--name", args->name, "title of the record with --smiles");
    sub->add_option("-o,--out", args->out, "output SDF (.sdf or .sdf.gz)")->required();
    sub->add_option("--model", args->model,
                    "trained conformer model (.pt from `adit train conformer`; default: the shipped models/conformer-qm9.pt)");
    sub->add_option("--method", args->method,
                    "model | etkdg (default: model, from --model or the shipped model; etkdg when neither exists)")
        ->check(CLI::IsMember({"model", "etkdg"}));
    auto* mmff = sub->add_flag("--mmff", args->mmff, "MMFF94 clean-up of the geometry (default with the model)");
    sub->add_flag("--no-mmff", args->no_mmff, "no MMFF94 clean-up (the raw model or ETKDG geometry)")->excludes(mmff);
    sub->add_option("--batch-size", args->batch_size, "molecules per model batch")->check(CLI::PositiveNumber);
    return {sub, [args, &global] {
                return guarded("conformer", [&] {
                    if (args->smiles.empty() && args->smiles_file.empty())
                        fail("give --smiles SMILES or --smiles-file FILE");
                    return run_conformer(*args, global);
                });
            }};
}

}  // namespace adit::cli
