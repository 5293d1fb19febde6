// Inference with a trained conformer model, behind a torch-free header so the CLI and other
// layers can call it without compiling LibTorch headers.
#pragma once

#include <Eigen/Dense>

#include <memory>
#include <string>
#include <vector>

#include "adit/interop/smiles_graph.hpp"

namespace adit::models {

class ConformerPredictor {
public:
    // Loads a checkpoint written by train_conformer (checks its format and metadata).
    // device: "cpu" or "cuda"; threads: intra-op CPU threads (0 = leave LibTorch's default).
    ConformerPredictor(const std::string& model_path, const std::string& device, int threads);
    ~ConformerPredictor();
    ConformerPredictor(const ConformerPredictor&) = delete;
    ConformerPredictor& operator=(const ConformerPredictor&) = delete;

    // Coordinates (Å, centred) for each graph, atoms in graph order.
    std::vector<std::vector<Eigen::Vector3d>> predict(const std::vector<const interop::MolecularGraph*>& graphs);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace adit::models
