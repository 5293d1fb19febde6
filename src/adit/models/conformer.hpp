// Molecule3D geometry model: a graph transformer over the explicit-hydrogen 2D graph that
// predicts 3D coordinates directly. Atom features are summed embeddings (element, charge,
// aromaticity, hybridisation, ring, degree, hydrogens, chirality) plus a sinusoidal encoding of
// the atom index (it breaks the tie between symmetry-equivalent atoms, e.g. methyl hydrogens,
// which a permutation-equivariant network would otherwise put on the same point). Every
// attention layer adds learned per-head biases for the shortest-path hop count and the bond
// type between each atom pair (Graphormer-style). Q/K/V/O projections are per layer
// ("standard") or MASA: each layer's matrix is a learned mix of S shared matrices
// (Zhussip et al. 2025). Trained with a rotation-, translation- (and mirror-) invariant loss on
// the interatomic distance matrix of the predicted coordinates.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "adit/interop/smiles_graph.hpp"

namespace adit::models {

struct ConformerOptions {
    std::int64_t d_model = 128;
    std::int64_t num_heads = 8;
    std::int64_t num_layers = 6;
    std::int64_t ffn_multiplier = 4;
    std::int64_t max_hops = 8;          // hop counts above this share one bias
    std::string attention = "standard"; // "standard" | "masa"
    std::int64_t masa_atoms = 3;        // S shared matrices per projection type (masa only)
    double dropout = 0.0;
};

// A padded batch of graphs (see conformer_batch()).
struct ConformerBatch {
    torch::Tensor features;   // [B, N, 8] int64
    torch::Tensor hops;       // [B, N, N] int64 in [0, max_hops + 1]; max_hops + 1 = unreachable/padding
    torch::Tensor bond_types; // [B, N, N] int64 in [0, 4]
    torch::Tensor mask;       // [B, N] bool, true = real atom
    torch::Tensor positions;  // [B, N, 3] float, Å (training targets; undefined at inference)
    ConformerBatch to(const torch::Device& device) const;
};

ConformerBatch conformer_batch(const std::vector<const interop::MolecularGraph*>& graphs, std::int64_t max_hops,
                               const std::vector<const std::vector<Eigen::Vector3d>*>& targets = {});

class ConformerModelImpl : public torch::nn::Module {
public:
    explicit ConformerModelImpl(const ConformerOptions& options);
    // Predicted coordinates [B, N, 3] (Å; padded atoms at 0).
    torch::Tensor forward(const ConformerBatch& batch);
    const ConformerOptions& options() const { return options_; }

private:
    torch::Tensor projection(std::size_t kind, std::int64_t layer) const;  // [d, d]
    ConformerOptions options_;
    std::vector<torch::nn::Embedding> feature_embeddings_;
    torch::nn::Embedding hop_bias_{nullptr}, bond_bias_{nullptr};
    torch::Tensor proj_weight_[4], proj_atoms_[4], proj_coeff_[4], proj_bias_[4];  // q, k, v, o
    torch::nn::ModuleList norm1_, norm2_, ffn1_, ffn2_;
    torch::nn::LayerNorm final_norm_{nullptr};
    torch::nn::Linear head1_{nullptr}, head2_{nullptr};
};
TORCH_MODULE(ConformerModel);

// Loss invariant to rotation, translation and reflection: per molecule, the mean absolute error
// (Å) over atom pairs i<j of the predicted vs target distance matrix; mean over molecules.
torch::Tensor distance_matrix_loss(const torch::Tensor& predicted, const torch::Tensor& target,
                                   const torch::Tensor& mask);
// The same error over the pairs 1 or 2 bonds apart only (bond lengths and the 1-3 distances that
// fix bond angles), from the batch's hop matrix: all-pair averages let a few stretched bonds
// hide among the many long-range pairs, this term weighs them on their own.
torch::Tensor local_distance_loss(const torch::Tensor& predicted, const torch::Tensor& target,
                                  const torch::Tensor& hops);

struct ConformerTrainOptions {
    std::int64_t batch_size = 64;
    double learning_rate = 5e-4;
    double weight_decay = 0.0;
    std::int64_t epochs = 100;
    double max_minutes = 0;       // stop after this wall time (0 = no limit)
    double valid_fraction = 0.05; // held out from the training records for model selection
    double local_weight = 0.0;    // weight of local_distance_loss added to the all-pair loss
    std::uint64_t seed = 0;
    int threads = 0;
    std::string device = "cpu";
};

struct ConformerTrainReport {
    std::size_t train_molecules = 0, valid_molecules = 0, steps = 0, epochs = 0;
    double best_valid_d_mae = 0;  // Å, per-molecule mean, on the validation part
    double seconds = 0;
};

// Training records: explicit-hydrogen molecules whose property "smiles" gives the graph and
// whose atoms are in that graph's order (as `adit conformer` and eval/conformer/prepare_qm9.py
// write them). Records whose SMILES fails or whose elements disagree are skipped with a warning.
struct ConformerExample {
    interop::MolecularGraph graph;
    std::vector<Eigen::Vector3d> positions;
};
std::vector<ConformerExample> conformer_examples(const std::vector<Structure>& records);

// Trains and writes the best (lowest validation D-MAE) checkpoint to `checkpoint_path`, with the
// options and `config_json` in its metadata.
ConformerTrainReport train_conformer(const std::vector<ConformerExample>& examples, const ConformerOptions& model,
                                     const ConformerTrainOptions& train, const std::string& checkpoint_path,
                                     const std::string& config_json, const ProgressCallback& progress = {});

void save_conformer_model(ConformerModel& model, const std::string& path, const std::string& config_json);
ConformerModel load_conformer_model(const std::string& path);

}  // namespace adit::models
