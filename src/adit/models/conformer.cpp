// Graph-transformer conformer model, its distance-matrix loss, training loop and checkpoint
// I/O (see conformer.hpp). Kept in one translation unit: each LibTorch TU costs ~1 min to build.
#include "adit/models/conformer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/models/conformer_predict.hpp"
#include "adit/nn/device.hpp"

namespace adit::models {

namespace {

constexpr int kFeatureCount = 8;
// Vocabulary sizes of the atom features: Z, charge+3, aromatic, hybridisation, ring, degree,
// hydrogens, chirality (values are clamped into range).
constexpr std::int64_t kFeatureSizes[kFeatureCount] = {100, 7, 2, 6, 2, 7, 5, 3};
constexpr int kCheckpointVersion = 1;
const char* const kFormat = "adit-conformer";

std::int64_t clamp_feature(int value, int k) {
    return std::clamp<std::int64_t>(value, 0, kFeatureSizes[k] - 1);
}

}  // namespace

ConformerBatch ConformerBatch::to(const torch::Device& device) const {
    ConformerBatch b;
    b.features = features.to(device);
    b.hops = hops.to(device);
    b.bond_types = bond_types.to(device);
    b.mask = mask.to(device);
    if (positions.defined()) b.positions = positions.to(device);
    return b;
}

ConformerBatch conformer_batch(const std::vector<const interop::MolecularGraph*>& graphs, std::int64_t max_hops,
                               const std::vector<const std::vector<Eigen::Vector3d>*>& targets) {
    const std::int64_t B = static_cast<std::int64_t>(graphs.size());
    std::int64_t N = 1;
    for (const auto* g : graphs) N = std::max<std::int64_t>(N, static_cast<std::int64_t>(g->size()));
    ConformerBatch b;
    b.features = torch::zeros({B, N, kFeatureCount}, torch::kInt64);
    b.hops = torch::full({B, N, N}, max_hops + 1, torch::kInt64);
    b.bond_types = torch::zeros({B, N, N}, torch::kInt64);
    b.mask = torch::zeros({B, N}, torch::kBool);
    auto f = b.features.accessor<std::int64_t, 3>();
    auto h = b.hops.accessor<std::int64_t, 3>();
    auto t = b.bond_types.accessor<std::int64_t, 3>();
    auto m = b.mask.accessor<bool, 2>();
    for (std::int64_t k = 0; k < B; ++k) {
        const interop::MolecularGraph& g = *graphs[k];
        const std::size_t n = g.size();
        for (std::size_t i = 0; i < n; ++i) {
            m[k][i] = true;
            const int values[kFeatureCount] = {g.numbers[i],  g.charges[i] + 3, g.aromatic[i],      g.hybridization[i],
                                               g.in_ring[i],  g.degree[i],      g.num_hydrogens[i], g.chirality[i]};
            for (int c = 0; c < kFeatureCount; ++c) f[k][i][c] = clamp_feature(values[c], c);
            for (std::size_t j = 0; j < n; ++j) {
                const int hop = g.hop(i, j);
                h[k][i][j] = hop < 0 ? max_hops + 1 : std::min<std::int64_t>(hop, max_hops);
                t[k][i][j] = g.bond_type(i, j);
            }
        }
    }
    if (!targets.empty()) {
        if (targets.size() != graphs.size()) fail("conformer_batch: {} targets for {} graphs", targets.size(), B);
        b.positions = torch::zeros({B, N, 3}, torch::kFloat32);
        auto p = b.positions.accessor<float, 3>();
        for (std::int64_t k = 0; k < B; ++k)
            for (std::size_t i = 0; i < targets[k]->size(); ++i)
                for (int c = 0; c < 3; ++c) p[k][i][c] = static_cast<float>((*targets[k])[i][c]);
    }
    return b;
}

ConformerModelImpl::ConformerModelImpl(const ConformerOptions& o) : options_(o) {
    if (o.d_model % o.num_heads != 0) fail("conformer: d_model {} is not divisible by {} heads", o.d_model, o.num_heads);
    if (o.attention != "standard" && o.attention != "masa") fail("conformer: unknown attention '{}'", o.attention);
    if (o.attention == "masa" && (o.masa_atoms < 1 || o.masa_atoms > o.num_layers))
        fail("conformer: masa_atoms must be in [1, {}]", o.num_layers);
    const std::int64_t d = o.d_model, L = o.num_layers;
    for (int c = 0; c < kFeatureCount; ++c)
        feature_embeddings_.push_back(
            register_module("feature" + std::to_string(c), torch::nn::Embedding(kFeatureSizes[c], d)));
    hop_bias_ = register_module("hop_bias", torch::nn::Embedding(o.max_hops + 2, o.num_heads));
    bond_bias_ = register_module("bond_bias", torch::nn::Embedding(5, o.num_heads));
    const char* names[4] = {"q", "k", "v", "o"};
    const double scale = 1.0 / std::sqrt(double(d));
    for (int k = 0; k < 4; ++k) {
        const std::string n = names[k];
        if (o.attention == "standard") {
            proj_weight_[k] = register_parameter(n + "_weight", torch::randn({L, d, d}) * scale);
        } else {
            proj_atoms_[k] = register_parameter(n + "_atoms", torch::randn({o.masa_atoms, d, d}) * scale);
            // Start with layer l using shared matrix l mod S, plus a little of every other one.
            auto c = torch::randn({L, o.masa_atoms}) * 0.1;
            for (std::int64_t l = 0; l < L; ++l) c[l][l % o.masa_atoms] += 1.0;
            proj_coeff_[k] = register_parameter(n + "_coefficients", c);
        }
        proj_bias_[k] = register_parameter(n + "_bias", torch::zeros({L, d}));
    }
    norm1_ = register_module("norm1", torch::nn::ModuleList());
    norm2_ = register_module("norm2", torch::nn::ModuleList());
    ffn1_ = register_module("ffn1", torch::nn::ModuleList());
    ffn2_ = register_module("ffn2", torch::nn::ModuleList());
    for (std::int64_t l = 0; l < L; ++l) {
        norm1_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
        norm2_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
        ffn1_->push_back(torch::nn::Linear(d, d * o.ffn_multiplier));
        ffn2_->push_back(torch::nn::Linear(d * o.ffn_multiplier, d));
    }
    final_norm_ = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    head1_ = register_module("head1", torch::nn::Linear(d, d));
    head2_ = register_module("head2", torch::nn::Linear(d, 3));
}

torch::Tensor ConformerModelImpl::projection(std::size_t kind, std::int64_t layer) const {
    if (options_.attention == "standard") return proj_weight_[kind][layer];
    // MASA: W_l = sum_s c[l, s] D_s
    return torch::tensordot(proj_coeff_[kind][layer], proj_atoms_[kind], {0}, {0});
}

torch::Tensor ConformerModelImpl::forward(const ConformerBatch& batch) {
    const auto& o = options_;
    const std::int64_t B = batch.features.size(0), N = batch.features.size(1), d = o.d_model, H = o.num_heads,
                       dh = d / H;
    const auto fopts = torch::TensorOptions().dtype(torch::kFloat32).device(batch.features.device());
    torch::Tensor x = torch::zeros({B, N, d}, fopts);  // [B, N, d]
    for (int c = 0; c < kFeatureCount; ++c) x = x + feature_embeddings_[c]->forward(batch.features.select(2, c));
    // Sinusoidal encoding of the atom index (breaks ties between symmetry-equivalent atoms).
    auto pos = torch::arange(N, fopts).unsqueeze(1);                              // [N, 1]
    auto freq = torch::exp(torch::arange(0, d, 2, fopts) * (-std::log(10000.0) / double(d)));  // [d/2]
    auto angles = pos * freq.unsqueeze(0);                                        // [N, d/2]
    auto index_code = torch::stack({torch::sin(angles), torch::cos(angles)}, 2).reshape({N, d});
    x = x + index_code.unsqueeze(0);

    // Pair biases shared by all layers: [B, H, N, N]
    auto bias = (hop_bias_->forward(batch.hops) + bond_bias_->forward(batch.bond_types)).permute({0, 3, 1, 2});
    auto key_mask = batch.mask.view({B, 1, 1, N});
    bias = bias.masked_fill(key_mask.logical_not(), -1e9);

    for (std::int64_t l = 0; l < o.num_layers; ++l) {
        auto h = norm1_[l]->as<torch::nn::LayerNorm>()->forward(x);
        auto q = torch::nn::functional::linear(h, projection(0, l), proj_bias_[0][l]).view({B, N, H, dh}).transpose(1, 2);
        auto k = torch::nn::functional::linear(h, projection(1, l), proj_bias_[1][l]).view({B, N, H, dh}).transpose(1, 2);
        auto v = torch::nn::functional::linear(h, projection(2, l), proj_bias_[2][l]).view({B, N, H, dh}).transpose(1, 2);
        auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(dh)) + bias;  // [B, H, N, N]
        auto attn = torch::softmax(scores, -1);
        if (o.dropout > 0) attn = torch::dropout(attn, o.dropout, is_training());
        auto a = torch::matmul(attn, v).transpose(1, 2).reshape({B, N, d});
        x = x + torch::nn::functional::linear(a, projection(3, l), proj_bias_[3][l]);
        auto f = ffn1_[l]->as<torch::nn::Linear>()->forward(norm2_[l]->as<torch::nn::LayerNorm>()->forward(x));
        x = x + ffn2_[l]->as<torch::nn::Linear>()->forward(torch::gelu(f));
    }
    auto coords = head2_->forward(torch::silu(head1_->forward(final_norm_->forward(x))));  // [B, N, 3]
    auto m = batch.mask.unsqueeze(-1).to(torch::kFloat32);
    coords = coords * m;
    auto centre = coords.sum(1, true) / m.sum(1, true).clamp_min(1.0);
    return (coords - centre) * m;
}

// [B, N, 3] -> [B, N, N] distances; the eps keeps the gradient finite at 0.
static torch::Tensor pairwise_distances(const torch::Tensor& x) {
    auto diff = x.unsqueeze(2) - x.unsqueeze(1);
    return torch::sqrt(diff.pow(2).sum(-1) + 1e-9);
}

// Per molecule, the mean |predicted - target| distance over the selected pairs [B, N, N] (0/1);
// then the mean over molecules.
static torch::Tensor mean_pair_error(const torch::Tensor& predicted, const torch::Tensor& target, const torch::Tensor& pairs) {
    auto err = (pairwise_distances(predicted) - pairwise_distances(target)).abs() * pairs;
    auto per_molecule = err.sum({1, 2}) / pairs.sum({1, 2}).clamp_min(1.0);
    return per_molecule.mean();
}

torch::Tensor distance_matrix_loss(const torch::Tensor& predicted, const torch::Tensor& target,
                                   const torch::Tensor& mask) {
    const std::int64_t N = mask.size(1);
    auto m = mask.to(torch::kFloat32);
    return mean_pair_error(predicted, target, (m.unsqueeze(2) * m.unsqueeze(1)) * torch::ones({N, N}, m.options()).triu(1));
}

torch::Tensor local_distance_loss(const torch::Tensor& predicted, const torch::Tensor& target,
                                  const torch::Tensor& hops) {
    // hops is 0 on the diagonal and max_hops + 1 for padding, so 1..2 picks real local pairs only.
    return mean_pair_error(predicted, target, ((hops == 1) | (hops == 2)).to(torch::kFloat32).triu(1));
}

// Same elements in the same order can still be a different atom order (two carbons swapped):
// every bond of the SMILES graph must join atoms the coordinates put within bonding reach.
static void check_bonds_in_reach(const interop::MolecularGraph& graph, const std::vector<Eigen::Vector3d>& positions,
                          const std::string& smiles) {
    for (const auto& b : graph.bonds) {
        const double reach = 1.3 * (element(graph.numbers[b.i]).covalent_radius + element(graph.numbers[b.j]).covalent_radius);
        const double d = (positions[b.i] - positions[b.j]).norm();
        if (d > reach)
            fail("bond {}-{} of its SMILES '{}' is {:.2f} A long in its coordinates: atoms are not in the SMILES order", b.i + 1,
                 b.j + 1, smiles, d);
    }
}

std::vector<ConformerExample> conformer_examples(const std::vector<Structure>& records) {
    std::vector<ConformerExample> out;
    out.reserve(records.size());
    std::size_t skipped = 0;
    for (std::size_t k = 0; k < records.size(); ++k) {
        const Structure& r = records[k];
        const PropertyValue* smiles = r.properties.find("smiles");
        const std::string* text = smiles ? std::get_if<std::string>(smiles) : nullptr;
        try {
            if (!text) fail("no 'smiles' property");
            ConformerExample e{interop::smiles_graph(*text), r.positions};
            if (e.graph.numbers != r.numbers) fail("its atoms are not those of its SMILES '{}' (with H, in order)", *text);
            check_bonds_in_reach(e.graph, r.positions, *text);
            out.push_back(std::move(e));
        } catch (const Error& err) {
            if (++skipped <= 10) log_warn("training record {} skipped: {}", k + 1, err.what());
        }
    }
    if (skipped > 0) log_warn("{} of {} training records skipped", skipped, records.size());
    return out;
}

void save_conformer_model(ConformerModel& model, const std::string& path, const std::string& config_json) {
    const ConformerOptions& o = model->options();
    nlohmann::ordered_json meta;
    meta["format"] = kFormat;
    meta["version"] = kCheckpointVersion;
    meta["model"] = {{"d_model", o.d_model},       {"num_heads", o.num_heads}, {"num_layers", o.num_layers},
                     {"ffn_multiplier", o.ffn_multiplier}, {"max_hops", o.max_hops}, {"attention", o.attention},
                     {"masa_atoms", o.masa_atoms}, {"dropout", o.dropout}};
    meta["units"] = "angstrom";
    meta["config"] = config_json;
    torch::serialize::OutputArchive archive;
    nn::save_module_cpu(*model, archive);  // CPU tensors whatever the training device
    archive.write("adit_meta", c10::IValue(meta.dump()));
    archive.save_to(path);
}

ConformerModel load_conformer_model(const std::string& path) {
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, torch::Device(torch::kCPU));
    } catch (const std::exception& e) {
        fail("{}: not a LibTorch archive ({})", path, e.what());
    }
    c10::IValue value;
    if (!archive.try_read("adit_meta", value) || !value.isString())
        fail("{}: not an adit conformer model (no metadata)", path);
    const auto meta = nlohmann::json::parse(value.toStringRef());
    if (meta.value("format", "") != kFormat) fail("{}: not an adit conformer model", path);
    if (meta.value("version", 0) != kCheckpointVersion)
        fail("{}: conformer model format version {} (this adit reads {})", path, meta.value("version", 0),
             kCheckpointVersion);
    ConformerOptions o;
    const auto& m = meta.at("model");
    o.d_model = m.at("d_model");
    o.num_heads = m.at("num_heads");
    o.num_layers = m.at("num_layers");
    o.ffn_multiplier = m.at("ffn_multiplier");
    o.max_hops = m.at("max_hops");
    o.attention = m.at("attention");
    o.masa_atoms = m.at("masa_atoms");
    o.dropout = m.at("dropout");
    ConformerModel model(o);
    nn::load_module(*model, archive, path);
    model->eval();
    return model;
}

ConformerTrainReport train_conformer(const std::vector<ConformerExample>& examples, const ConformerOptions& model_options,
                                     const ConformerTrainOptions& t, const std::string& checkpoint_path,
                                     const std::string& config_json, const ProgressCallback& progress) {
    if (examples.size() < 2) fail("train conformer: need at least 2 training molecules, got {}", examples.size());
    const auto start = std::chrono::steady_clock::now();
    auto elapsed_minutes = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
    };
    torch::manual_seed(t.seed);
    if (t.threads > 0) torch::set_num_threads(t.threads);
    const torch::Device device = nn::parse_device(t.device);

    std::mt19937_64 rng(t.seed);
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t n_valid =
        std::clamp<std::size_t>(static_cast<std::size_t>(t.valid_fraction * double(examples.size())), 1,
                                examples.size() - 1);
    std::vector<std::size_t> valid(order.begin(), order.begin() + n_valid), train(order.begin() + n_valid, order.end());

    ConformerModel model(model_options);
    model->to(device);
    torch::optim::Adam optimizer(model->parameters(),
                                 torch::optim::AdamOptions(t.learning_rate).weight_decay(t.weight_decay));

    auto make_batch = [&](const std::vector<std::size_t>& ids, std::size_t from, std::size_t to) {
        std::vector<const interop::MolecularGraph*> graphs;
        std::vector<const std::vector<Eigen::Vector3d>*> targets;
        for (std::size_t i = from; i < to; ++i) {
            graphs.push_back(&examples[ids[i]].graph);
            targets.push_back(&examples[ids[i]].positions);
        }
        return conformer_batch(graphs, model_options.max_hops, targets).to(device);
    };
    auto validate = [&] {
        torch::NoGradGuard no_grad;
        model->eval();
        double sum = 0;
        for (std::size_t i = 0; i < valid.size(); i += t.batch_size) {
            const std::size_t j = std::min(valid.size(), i + t.batch_size);
            auto b = make_batch(valid, i, j);
            sum += distance_matrix_loss(model->forward(b), b.positions, b.mask).item<double>() * double(j - i);
        }
        model->train();
        return sum / double(valid.size());
    };

    ConformerTrainReport report;
    report.train_molecules = train.size();
    report.valid_molecules = valid.size();
    report.best_valid_d_mae = std::numeric_limits<double>::infinity();
    const std::size_t steps_per_epoch = (train.size() + t.batch_size - 1) / t.batch_size;
    const double total_steps = double(steps_per_epoch * t.epochs);
    const double warmup = std::min(500.0, 0.05 * total_steps);
    model->train();
    bool out_of_time = false;
    for (std::int64_t epoch = 0; epoch < t.epochs && !out_of_time; ++epoch) {
        std::shuffle(train.begin(), train.end(), rng);
        double epoch_loss = 0;
        for (std::size_t i = 0; i < train.size(); i += t.batch_size) {
            // Warm-up, then cosine decay of the learning rate over the planned steps.
            const double s = double(report.steps);
            double lr = t.learning_rate * (s < warmup ? (s + 1) / warmup
                                                      : 0.5 * (1 + std::cos(M_PI * std::min(1.0, (s - warmup) / std::max(1.0, total_steps - warmup)))));
            if (t.max_minutes > 0)  // with a time budget, decay over the budget instead
                lr = t.learning_rate * (s < warmup ? (s + 1) / warmup
                                                   : std::max(0.02, 0.5 * (1 + std::cos(M_PI * std::min(1.0, elapsed_minutes() / t.max_minutes)))));
            for (auto& group : optimizer.param_groups())
                static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
            const std::size_t j = std::min(train.size(), i + t.batch_size);
            auto b = make_batch(train, i, j);
            optimizer.zero_grad();
            auto predicted = model->forward(b);
            auto loss = distance_matrix_loss(predicted, b.positions, b.mask);
            if (t.local_weight > 0) loss = loss + t.local_weight * local_distance_loss(predicted, b.positions, b.hops);
            loss.backward();
            torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
            optimizer.step();
            epoch_loss += loss.item<double>() * double(j - i);
            ++report.steps;
            if (progress && report.steps % 50 == 0)
                progress(report.steps, static_cast<std::size_t>(total_steps), fmt::format("loss {:.4f} Å", loss.item<double>()));
            if (t.max_minutes > 0 && elapsed_minutes() > t.max_minutes) {
                out_of_time = true;
                break;
            }
        }
        ++report.epochs;
        const double v = validate();
        log_info("epoch {}: train D-MAE {:.4f} Å, valid D-MAE {:.4f} Å, {:.1f} min", epoch + 1,
                 epoch_loss / double(train.size()), v, elapsed_minutes());
        if (v < report.best_valid_d_mae) {
            report.best_valid_d_mae = v;
            save_conformer_model(model, checkpoint_path, config_json);
        }
    }
    report.seconds = elapsed_minutes() * 60.0;
    return report;
}

// ---- inference -------------------------------------------------------------------------------

struct ConformerPredictor::Impl {
    ConformerModel model{nullptr};
    torch::Device device{torch::kCPU};
};

ConformerPredictor::ConformerPredictor(const std::string& model_path, const std::string& device, int threads)
    : impl_(std::make_unique<Impl>()) {
    if (threads > 0) torch::set_num_threads(threads);
    impl_->device = nn::parse_device(device);
    impl_->model = load_conformer_model(model_path);
    impl_->model->to(impl_->device);
}

ConformerPredictor::~ConformerPredictor() = default;

std::vector<std::vector<Eigen::Vector3d>> ConformerPredictor::predict(
    const std::vector<const interop::MolecularGraph*>& graphs) {
    std::vector<std::vector<Eigen::Vector3d>> out;
    if (graphs.empty()) return out;
    torch::NoGradGuard no_grad;
    auto batch = conformer_batch(graphs, impl_->model->options().max_hops).to(impl_->device);
    auto coords = impl_->model->forward(batch).to(torch::kCPU).to(torch::kFloat64).contiguous();
    auto c = coords.accessor<double, 3>();
    for (std::size_t k = 0; k < graphs.size(); ++k) {
        std::vector<Eigen::Vector3d> p;
        for (std::size_t i = 0; i < graphs[k]->size(); ++i) p.emplace_back(c[k][i][0], c[k][i][1], c[k][i][2]);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace adit::models
