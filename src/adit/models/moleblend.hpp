// MoleBLEND (Yu et al., "Multimodal Molecular Pretraining via Modality Blending", ICLR 2024,
// arXiv 2307.06235): a transformer over the explicit-hydrogen atoms of a molecule whose attention
// logits carry a per-head bias for every atom pair, built from that pair's *relation*:
//   - 2D, shortest-path distance (SPD): the hop count embedded as a class (Graphormer);
//   - 2D, edge: the pair's own bond type (none, single, double, triple, aromatic) embedded, plus
//     the bond types along one shortest path, embedded and summed (composition and length);
//   - 3D: the distance |r_i - r_j| in 128 Gaussian basis functions through an MLP (Transformer-M).
// Pretraining blends them: every pair is assigned exactly one modality at random (paper defaults
// 0.2 SPD / 0.2 3D / 0.6 edge) and only that relation biases attention; heads over pair features
// then recover *all* relations of every pair (SPD class, bond type, 3D distance), and a
// coordinate-denoising head predicts the noise added to the input coordinates.
// Fine-tuning (property regression) uses the 2D relations of every pair (SPD + edge biases
// summed), or all three with `use_3d`, and a mean-pooled property head.
//
// Molecules come from the stored SMILES (interop::smiles_graph, RDKit atom order, hydrogens
// explicit); their stored geometry is matched onto that atom order (see attach_geometry()).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"
#include "adit/interop/smiles_graph.hpp"
#include "adit/nn/attention.hpp"

namespace adit::models {

struct MoleBlendOptions {
    std::int64_t d_model = 64;
    std::int64_t num_heads = 4;
    std::int64_t num_layers = 4;
    std::int64_t ffn_dim = 256;
    std::string attention = "standard";  // "standard" | "masa"
    std::int64_t masa_atoms = 0;         // S shared matrices per projection type (masa only)
    std::int64_t max_hops = 8;           // SPD classes 0..max_hops; one more class for farther/unreachable
    std::int64_t gaussian_kernels = 128; // paper: 128
    double max_distance = 12.0;          // Å, last Gaussian centre
    std::int64_t pair_dim = 64;          // width of the pair features the recovery heads read
    double dropout = 0.0;
    std::int64_t num_targets = 0;        // property head outputs (0: no property head)
};
nlohmann::json to_json(const MoleBlendOptions& o);
MoleBlendOptions moleblend_options_from_json(const nlohmann::json& j);

// Blending and pretraining-objective settings (config [blend] and [loss]).
struct BlendOptions {
    double p_spd = 0.2, p_3d = 0.2, p_edge = 0.6;  // modality proportions (paper defaults)
    double coord_noise = 0.2;                      // Å, std of the Gaussian noise on input coordinates
};
struct LossWeights {
    double distance = 0.5, spd = 0.1, edge = 0.1, denoise = 6.0;  // paper defaults
};
nlohmann::json to_json(const BlendOptions& o);
nlohmann::json to_json(const LossWeights& o);
BlendOptions blend_options_from_json(const nlohmann::json& j);
LossWeights loss_weights_from_json(const nlohmann::json& j);

// Modalities of a pair in the blended relation matrix.
enum Modality : std::int64_t { kSpd = 0, kDistance = 1, kEdge = 2 };

// Atom features per atom, in this order (all small non-negative integers).
constexpr int kAtomFeatures = 7;  // Z, degree, formal charge + 2, aromatic, hybridization, num H, in ring
constexpr int kBondTypes = 4;     // 1 single, 2 double, 3 triple, 4 aromatic (0 = no bond)

// One molecule in the model's terms (pure C++; built once, batched many times).
struct MoleBlendMolecule {
    std::string smiles;
    std::int64_t n = 0;
    std::vector<std::int64_t> atoms;  // [n * kAtomFeatures]
    std::vector<std::uint8_t> hops;   // [n * n] shortest-path bond count; 255 unreachable
    std::vector<std::uint8_t> bond;   // [n * n] bond type 0..4
    std::vector<std::uint8_t> path;   // [n * n * kBondTypes] bond-type counts along one shortest path
    std::vector<float> positions;     // [n * 3] Å in graph atom order; empty without a geometry
    std::vector<float> targets;       // property values (model units), NaN where missing
    bool has_geometry() const { return !positions.empty(); }
};

// The molecule of a SMILES graph (no geometry, no targets).
MoleBlendMolecule moleblend_molecule(const interop::MolecularGraph& graph);

// Puts the atoms of `structure` (any order, e.g. a DFT file's) onto the graph's atom order:
// connectivity from covalent radii (d < r_i + r_j + 0.45 Å), then a backtracking match of
// elements and bonds. False (molecule unchanged) when the structure's connectivity is not the
// graph's (different atoms, a perception that disagrees with the SMILES).
bool attach_geometry(MoleBlendMolecule& molecule, const Structure& structure);

// A padded batch (tensors on CPU; .to(device) moves them).
struct MoleBlendBatch {
    torch::Tensor atoms;      // [B, N, F] int64
    torch::Tensor mask;       // [B, N] bool
    torch::Tensor hops;       // [B, N, N] int64 SPD class in 0..max_hops+1
    torch::Tensor bond;       // [B, N, N] int64 0..4
    torch::Tensor path;       // [B, N, N, 4] float: bond-type counts along the shortest path
    torch::Tensor positions;  // [B, N, 3] float Å (zeros without geometry)
    torch::Tensor targets;    // [B, T] float (NaN where missing), T = 0 when none
    std::int64_t size() const { return atoms.size(0); }
    MoleBlendBatch to(const torch::Device& device) const;
};
MoleBlendBatch moleblend_batch(const std::vector<const MoleBlendMolecule*>& molecules, std::int64_t max_hops);

// Pair modality assignment for blending: [B, N, N] int64 in {kSpd, kDistance, kEdge},
// symmetric, each pair i <= j drawn independently with the given proportions (so every pair
// has exactly one modality). Drawn on the CPU from `generator` (runs are reproducible whatever
// the device) and returned on `device`.
torch::Tensor blend_modalities(std::int64_t B, std::int64_t N, const BlendOptions& options, at::Generator& generator,
                               const torch::Device& device);

// A CPU random generator seeded with `seed` (what blend_modalities and pretrain_losses draw from).
at::Generator cpu_generator(std::uint64_t seed);

// What the relation bias is made of.
enum class RelationMode {
    blend,   // one modality per pair (pretraining): needs `modality`
    two_d,   // SPD + edge for every pair (2D fine-tuning / prediction from SMILES)
    all,     // SPD + edge + 3D for every pair
};

class MoleBlendImpl : public torch::nn::Module {
public:
    explicit MoleBlendImpl(const MoleBlendOptions& options);

    // Atom representations [B, N, d]. positions [B, N, 3] (possibly noisy) are needed by the
    // blend and all modes; modality [B, N, N] by blend.
    // `relation` (optional) receives the relation bias the pairs were shown, [B, N, N, H].
    torch::Tensor encode(const MoleBlendBatch& batch, const torch::Tensor& positions, const torch::Tensor& modality,
                         RelationMode mode, torch::Tensor* relation = nullptr);

    struct PairOutputs {
        torch::Tensor spd_logits;   // [B, N, N, max_hops + 2]
        torch::Tensor edge_logits;  // [B, N, N, 5]
        torch::Tensor distance;     // [B, N, N] Å
        torch::Tensor noise;        // [B, N, 3] Å, predicted coordinate noise
    };
    // Recovery heads from atom representations h and each pair's shown relation (encode()'s
    // `relation`: the pair track sees only what the blend showed of that pair); `positions` are
    // the (noisy) input coordinates the denoising head uses for directions.
    PairOutputs recover(const torch::Tensor& h, const torch::Tensor& mask, const torch::Tensor& positions,
                        const torch::Tensor& relation);

    // Property head: masked mean over atoms -> [B, num_targets] (normalised units).
    torch::Tensor properties(const torch::Tensor& h, const torch::Tensor& mask);

    const MoleBlendOptions& options() const { return options_; }
    // Attention parameters (Q, K, V, O banks) and all parameters.
    std::int64_t attention_parameter_count() const;
    std::int64_t parameter_count() const;

    torch::nn::ModuleList atom_embeddings{nullptr};
    torch::nn::Embedding spd_bias{nullptr};
    torch::Tensor edge_bias;  // [4, H] per bond type along the path
    torch::nn::Embedding bond_bias{nullptr};  // the pair's own bond type (0..4) -> H
    torch::Tensor gaussian_centres;  // buffer [K]
    torch::nn::Sequential distance_bias{nullptr};
    nn::AttentionStack attention{nullptr};
    torch::nn::ModuleList norm1{nullptr}, norm2{nullptr}, ffn{nullptr};
    torch::nn::LayerNorm final_norm{nullptr};
    torch::nn::Linear pair_proj{nullptr};
    torch::nn::Sequential pair_mlp{nullptr};
    torch::nn::Linear spd_head{nullptr}, edge_head{nullptr}, distance_head{nullptr}, noise_head{nullptr};
    torch::nn::Sequential property_head{nullptr};

private:
    MoleBlendOptions options_;
    double gaussian_width_ = 1.0;
};
TORCH_MODULE(MoleBlend);

// The pretraining objective on one batch (see the file comment). Draws the modality assignment
// and the coordinate noise from `generator` (CPU). Molecules without geometry are not allowed.
struct PretrainLosses {
    torch::Tensor total;                      // weighted sum (what is minimised)
    double distance = 0, spd = 0, edge = 0, denoise = 0;  // unweighted parts
    double spd_accuracy = 0, edge_accuracy = 0;
    double distance_mae_2d_only = 0;          // Å, pairs shown only through 2D relations
    std::int64_t pairs_2d_only = 0;
    torch::Tensor shown_2d_only;              // [B, N, N] bool (CPU): real pairs i != j not shown in 3D
    torch::Tensor distance_prediction;        // [B, N, N] float (CPU), Å
};
PretrainLosses pretrain_losses(MoleBlendImpl& model, const MoleBlendBatch& batch, const BlendOptions& blend,
                               const LossWeights& weights, at::Generator& generator);

}  // namespace adit::models
