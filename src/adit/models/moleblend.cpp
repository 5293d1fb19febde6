// MoleBLEND relation-biased transformer, blending and pretraining objective (see moleblend.hpp).
#include "adit/models/moleblend.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"

namespace adit::models {

using nlohmann::json;

json to_json(const MoleBlendOptions& o) {
    return {{"d_model", o.d_model},       {"num_heads", o.num_heads},   {"num_layers", o.num_layers},
            {"ffn_dim", o.ffn_dim},       {"attention", o.attention},   {"masa_atoms", o.masa_atoms},
            {"max_hops", o.max_hops},     {"gaussian_kernels", o.gaussian_kernels},
            {"max_distance", o.max_distance}, {"pair_dim", o.pair_dim}, {"dropout", o.dropout},
            {"num_targets", o.num_targets}};
}

MoleBlendOptions moleblend_options_from_json(const json& j) {
    MoleBlendOptions o;
    o.d_model = j.value("d_model", o.d_model);
    o.num_heads = j.value("num_heads", o.num_heads);
    o.num_layers = j.value("num_layers", o.num_layers);
    o.ffn_dim = j.value("ffn_dim", o.ffn_dim);
    o.attention = j.value("attention", o.attention);
    o.masa_atoms = j.value("masa_atoms", o.masa_atoms);
    o.max_hops = j.value("max_hops", o.max_hops);
    o.gaussian_kernels = j.value("gaussian_kernels", o.gaussian_kernels);
    o.max_distance = j.value("max_distance", o.max_distance);
    o.pair_dim = j.value("pair_dim", o.pair_dim);
    o.dropout = j.value("dropout", o.dropout);
    o.num_targets = j.value("num_targets", o.num_targets);
    if (o.max_hops < 1 || o.max_hops > 250) fail("model.max_hops must be in [1, 250], not {}", o.max_hops);
    if (o.gaussian_kernels < 2) fail("model.gaussian_kernels must be at least 2");
    if (o.pair_dim < 1 || o.ffn_dim < 1) fail("model.pair_dim and model.ffn_dim must be positive");
    return o;
}

json to_json(const BlendOptions& o) {
    return {{"p_spd", o.p_spd}, {"p_3d", o.p_3d}, {"p_edge", o.p_edge}, {"coord_noise", o.coord_noise}};
}
json to_json(const LossWeights& o) {
    return {{"distance", o.distance}, {"spd", o.spd}, {"edge", o.edge}, {"denoise", o.denoise}};
}
BlendOptions blend_options_from_json(const json& j) {
    BlendOptions o;
    o.p_spd = j.value("p_spd", o.p_spd);
    o.p_3d = j.value("p_3d", o.p_3d);
    o.p_edge = j.value("p_edge", o.p_edge);
    o.coord_noise = j.value("coord_noise", o.coord_noise);
    if (o.p_spd < 0 || o.p_3d < 0 || o.p_edge < 0 || o.p_spd + o.p_3d + o.p_edge <= 0)
        fail("blend proportions must be non-negative with a positive sum");
    if (o.coord_noise < 0) fail("blend.coord_noise must be >= 0");
    return o;
}
LossWeights loss_weights_from_json(const json& j) {
    LossWeights o;
    o.distance = j.value("distance", o.distance);
    o.spd = j.value("spd", o.spd);
    o.edge = j.value("edge", o.edge);
    o.denoise = j.value("denoise", o.denoise);
    return o;
}

// ---------------------------------------------------------------------------------------------
// Molecules

MoleBlendMolecule moleblend_molecule(const interop::MolecularGraph& g) {
    MoleBlendMolecule m;
    m.smiles = g.smiles;
    const auto n = std::int64_t(g.size());
    m.n = n;
    m.atoms.resize(std::size_t(n * kAtomFeatures));
    for (std::int64_t i = 0; i < n; ++i) {
        auto* a = &m.atoms[std::size_t(i * kAtomFeatures)];
        a[0] = std::clamp(g.numbers[std::size_t(i)], 0, 127);
        a[1] = std::clamp(g.degree[std::size_t(i)], 0, 7);
        a[2] = std::clamp(g.charges[std::size_t(i)] + 2, 0, 4);
        a[3] = g.aromatic[std::size_t(i)] ? 1 : 0;
        a[4] = std::clamp(g.hybridization[std::size_t(i)], 0, 6);
        a[5] = std::clamp(g.num_hydrogens[std::size_t(i)], 0, 4);
        a[6] = g.in_ring[std::size_t(i)] ? 1 : 0;
    }
    // Adjacency with bond types, then BFS from every atom: hop counts and one shortest path
    // (the BFS tree's), whose bond types are counted per pair.
    std::vector<std::vector<std::pair<int, int>>> adj(static_cast<std::size_t>(n));
    m.bond.assign(std::size_t(n * n), 0);
    for (const Bond& b : g.bonds) {
        const int t = std::clamp(b.order, 1, kBondTypes);
        adj[std::size_t(b.i)].push_back({b.j, t});
        adj[std::size_t(b.j)].push_back({b.i, t});
        m.bond[std::size_t(b.i * n + b.j)] = m.bond[std::size_t(b.j * n + b.i)] = std::uint8_t(t);
    }
    m.hops.assign(std::size_t(n * n), 255);
    m.path.assign(std::size_t(n * n * kBondTypes), 0);
    std::vector<int> parent(static_cast<std::size_t>(n)), parent_type(static_cast<std::size_t>(n));
    for (std::int64_t s = 0; s < n; ++s) {
        std::fill(parent.begin(), parent.end(), -1);
        std::deque<int> queue{int(s)};
        m.hops[std::size_t(s * n + s)] = 0;
        while (!queue.empty()) {
            const int u = queue.front();
            queue.pop_front();
            for (auto [v, t] : adj[std::size_t(u)]) {
                if (m.hops[std::size_t(s * n + v)] != 255) continue;
                m.hops[std::size_t(s * n + v)] = std::uint8_t(std::min(254, m.hops[std::size_t(s * n + u)] + 1));
                parent[std::size_t(v)] = u;
                parent_type[std::size_t(v)] = t;
                // counts(s, v) = counts(s, u) + this bond
                for (int k = 0; k < kBondTypes; ++k)
                    m.path[std::size_t((s * n + v) * kBondTypes + k)] = m.path[std::size_t((s * n + u) * kBondTypes + k)];
                ++m.path[std::size_t((s * n + v) * kBondTypes + (t - 1))];
                queue.push_back(v);
            }
        }
    }
    return m;
}

bool attach_geometry(MoleBlendMolecule& m, const Structure& s) {
    const auto n = std::size_t(m.n);
    if (s.size() != n) return false;
    // Connectivity of the structure from covalent radii.
    std::vector<std::vector<char>> sadj(n, std::vector<char>(n, 0));
    std::vector<int> sdeg(n, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            if (!is_known_element(s.numbers[i]) || !is_known_element(s.numbers[j])) return false;
            const double cut = element(s.numbers[i]).covalent_radius + element(s.numbers[j]).covalent_radius + 0.45;
            if ((s.positions[i] - s.positions[j]).norm() < cut) {
                sadj[i][j] = sadj[j][i] = 1;
                ++sdeg[i];
                ++sdeg[j];
            }
        }
    auto gz = [&](std::size_t i) { return int(m.atoms[i * kAtomFeatures]); };
    std::vector<int> gdeg(n, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) gdeg[i] += m.bond[i * n + j] ? 1 : 0;
    // Graph atoms in BFS order (each after a neighbour when connected), heavy atoms first in ties.
    std::vector<int> order;
    std::vector<char> seen(n, 0);
    for (std::size_t r = 0; r < n; ++r) {
        if (seen[r]) continue;
        std::deque<int> q{int(r)};
        seen[r] = 1;
        while (!q.empty()) {
            const int u = q.front();
            q.pop_front();
            order.push_back(u);
            for (std::size_t v = 0; v < n; ++v)
                if (m.bond[std::size_t(u) * n + v] && !seen[v]) {
                    seen[v] = 1;
                    q.push_back(int(v));
                }
        }
    }
    std::vector<int> map(n, -1), used(n, 0);
    std::int64_t budget = 200000;  // backtracking steps; plenty for molecules of tens of atoms
    std::function<bool(std::size_t)> extend = [&](std::size_t k) -> bool {
        if (k == n) return true;
        if (--budget < 0) return false;
        const int u = order[k];
        for (std::size_t c = 0; c < n; ++c) {
            if (used[c] || s.numbers[c] != gz(std::size_t(u)) || sdeg[c] != gdeg[std::size_t(u)]) continue;
            bool ok = true;
            for (std::size_t p = 0; p < k && ok; ++p) {
                const int w = order[p];
                ok = (m.bond[std::size_t(u) * n + std::size_t(w)] != 0) == (sadj[c][std::size_t(map[std::size_t(w)])] != 0);
            }
            if (!ok) continue;
            map[std::size_t(u)] = int(c);
            used[c] = 1;
            if (extend(k + 1)) return true;
            used[c] = 0;
            map[std::size_t(u)] = -1;
        }
        return false;
    };
    if (!extend(0)) return false;
    m.positions.resize(n * 3);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < 3; ++d) m.positions[i * 3 + std::size_t(d)] = float(s.positions[std::size_t(map[i])][d]);
    return true;
}

MoleBlendBatch MoleBlendBatch::to(const torch::Device& device) const {
    MoleBlendBatch b;
    b.atoms = atoms.to(device);
    b.mask = mask.to(device);
    b.hops = hops.to(device);
    b.bond = bond.to(device);
    b.path = path.to(device);
    b.positions = positions.to(device);
    b.targets = targets.to(device);
    return b;
}

MoleBlendBatch moleblend_batch(const std::vector<const MoleBlendMolecule*>& mols, std::int64_t max_hops) {
    const auto B = std::int64_t(mols.size());
    std::int64_t N = 1, T = 0;
    for (const auto* m : mols) {
        N = std::max(N, m->n);
        T = std::max(T, std::int64_t(m->targets.size()));
    }
    MoleBlendBatch b;
    b.atoms = torch::zeros({B, N, kAtomFeatures}, torch::kInt64);
    b.mask = torch::zeros({B, N}, torch::kBool);
    b.hops = torch::full({B, N, N}, max_hops + 1, torch::kInt64);
    b.bond = torch::zeros({B, N, N}, torch::kInt64);
    b.path = torch::zeros({B, N, N, kBondTypes}, torch::kFloat32);
    b.positions = torch::zeros({B, N, 3}, torch::kFloat32);
    b.targets = torch::full({B, T}, std::numeric_limits<float>::quiet_NaN(), torch::kFloat32);
    auto atoms = b.atoms.accessor<std::int64_t, 3>();
    auto mask = b.mask.accessor<bool, 2>();
    auto hops = b.hops.accessor<std::int64_t, 3>();
    auto bond = b.bond.accessor<std::int64_t, 3>();
    auto path = b.path.accessor<float, 4>();
    auto pos = b.positions.accessor<float, 3>();
    auto tgt = b.targets.accessor<float, 2>();
    for (std::int64_t k = 0; k < B; ++k) {
        const auto& m = *mols[std::size_t(k)];
        const auto n = m.n;
        for (std::int64_t i = 0; i < n; ++i) {
            mask[k][i] = true;
            for (int f = 0; f < kAtomFeatures; ++f) atoms[k][i][f] = m.atoms[std::size_t(i * kAtomFeatures + f)];
            if (m.has_geometry())
                for (int d = 0; d < 3; ++d) pos[k][i][d] = m.positions[std::size_t(i * 3 + d)];
            for (std::int64_t j = 0; j < n; ++j) {
                const int h = m.hops[std::size_t(i * n + j)];
                hops[k][i][j] = h > max_hops ? max_hops + 1 : h;
                bond[k][i][j] = m.bond[std::size_t(i * n + j)];
                if (h > 0 && h != 255)
                    for (int t = 0; t < kBondTypes; ++t)
                        path[k][i][j][t] = float(m.path[std::size_t((i * n + j) * kBondTypes + t)]);
            }
        }
        for (std::size_t t = 0; t < m.targets.size(); ++t) tgt[k][std::int64_t(t)] = m.targets[t];
        // Molecules are centred (the model only sees distances, the denoising head directions).
        if (m.has_geometry() && n > 0) {
            auto p = b.positions[k].narrow(0, 0, n);
            p.sub_(p.mean(0, true));
        }
    }
    return b;
}

at::Generator cpu_generator(std::uint64_t seed) { return at::detail::createCPUGenerator(seed); }

torch::Tensor blend_modalities(std::int64_t B, std::int64_t N, const BlendOptions& o, at::Generator& generator,
                               const torch::Device& device) {
    const double total = o.p_spd + o.p_3d + o.p_edge;
    auto u = torch::rand({B, N, N}, generator, torch::kFloat64) * total;  // CPU
    auto upper = torch::triu(torch::ones({N, N}, torch::kBool)).view({1, N, N});
    u = torch::where(upper, u, u.transpose(1, 2));  // symmetric: (j, i) takes (i, j)'s draw
    auto modality = torch::full({B, N, N}, std::int64_t(kEdge), torch::kInt64);
    modality.masked_fill_(u < o.p_spd + o.p_3d, std::int64_t(kDistance));
    modality.masked_fill_(u < o.p_spd, std::int64_t(kSpd));
    return modality.to(device);
}

// ---------------------------------------------------------------------------------------------
// Model

namespace {
constexpr std::int64_t kAtomVocab[kAtomFeatures] = {128, 8, 5, 2, 7, 5, 2};
}

MoleBlendImpl::MoleBlendImpl(const MoleBlendOptions& o) : options_(o) {
    const auto d = o.d_model, H = o.num_heads, L = o.num_layers;
    atom_embeddings = register_module("atom_embeddings", torch::nn::ModuleList());
    for (int f = 0; f < kAtomFeatures; ++f) atom_embeddings->push_back(torch::nn::Embedding(kAtomVocab[f], d));
    spd_bias = register_module("spd_bias", torch::nn::Embedding(o.max_hops + 2, H));
    edge_bias = register_parameter("edge_bias", torch::randn({kBondTypes, H}) * 0.02);
    bond_bias = register_module("bond_bias", torch::nn::Embedding(kBondTypes + 1, H));
    gaussian_centres = register_buffer("gaussian_centres", torch::linspace(0.0, o.max_distance, o.gaussian_kernels));
    gaussian_width_ = o.max_distance / double(o.gaussian_kernels - 1);
    distance_bias = register_module("distance_bias",
                                    torch::nn::Sequential(torch::nn::Linear(o.gaussian_kernels, o.gaussian_kernels),
                                                          torch::nn::GELU(), torch::nn::Linear(o.gaussian_kernels, H)));
    nn::AttentionOptions ao;
    ao.d_model = d;
    ao.num_heads = H;
    ao.num_layers = L;
    ao.kind = o.attention;
    ao.masa_atoms = o.masa_atoms;
    attention = register_module("attention", nn::AttentionStack(ao));
    norm1 = register_module("norm1", torch::nn::ModuleList());
    norm2 = register_module("norm2", torch::nn::ModuleList());
    ffn = register_module("ffn", torch::nn::ModuleList());
    for (std::int64_t l = 0; l < L; ++l) {
        norm1->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
        norm2->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
        ffn->push_back(torch::nn::Sequential(torch::nn::Linear(d, o.ffn_dim), torch::nn::GELU(),
                                             torch::nn::Dropout(o.dropout), torch::nn::Linear(o.ffn_dim, d)));
    }
    final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    const auto P = o.pair_dim;
    pair_proj = register_module("pair_proj", torch::nn::Linear(d, P));
    pair_mlp = register_module("pair_mlp", torch::nn::Sequential(torch::nn::Linear(2 * P + H, P), torch::nn::GELU(),
                                                                         torch::nn::Linear(P, P), torch::nn::GELU()));
    spd_head = register_module("spd_head", torch::nn::Linear(P, o.max_hops + 2));
    edge_head = register_module("edge_head", torch::nn::Linear(P, kBondTypes + 1));
    distance_head = register_module("distance_head", torch::nn::Linear(P, 1));
    noise_head = register_module("noise_head", torch::nn::Linear(P, 1));
    if (o.num_targets > 0)
        property_head = register_module("property_head",
                                        torch::nn::Sequential(torch::nn::Linear(d, d), torch::nn::GELU(),
                                                              torch::nn::Linear(d, o.num_targets)));
}

torch::Tensor MoleBlendImpl::encode(const MoleBlendBatch& b, const torch::Tensor& positions,
                                    const torch::Tensor& modality, RelationMode mode, torch::Tensor* relation) {
    const auto B = b.atoms.size(0), N = b.atoms.size(1), H = options_.num_heads;
    auto x = torch::zeros({B, N, options_.d_model}, gaussian_centres.options());
    for (int f = 0; f < kAtomFeatures; ++f)
        x = x + atom_embeddings[std::size_t(f)]->as<torch::nn::Embedding>()->forward(b.atoms.select(2, f));

    // Relation biases, each [B, N, N, H].
    auto spd = spd_bias->forward(b.hops);
    auto edge = bond_bias->forward(b.bond) + torch::matmul(b.path, edge_bias);
    torch::Tensor dist;
    if (mode != RelationMode::two_d) {
        if (!positions.defined()) fail("MoleBLEND: this relation mode needs coordinates");
        auto r = (positions.unsqueeze(2) - positions.unsqueeze(1)).norm(2, -1);  // [B, N, N] Å
        auto g = torch::exp(-0.5 * ((r.unsqueeze(-1) - gaussian_centres) / gaussian_width_).pow(2));  // [B, N, N, K]
        dist = distance_bias->forward(g);
    }
    torch::Tensor bias;
    switch (mode) {
        case RelationMode::two_d: bias = spd + edge; break;
        case RelationMode::all: bias = spd + edge + dist; break;
        case RelationMode::blend: {
            if (!modality.defined()) fail("MoleBLEND: blend mode needs a modality assignment");
            auto m = modality.unsqueeze(-1);
            bias = torch::where(m == std::int64_t(kSpd), spd, torch::where(m == std::int64_t(kDistance), dist, edge));
            break;
        }
    }
    if (relation) *relation = bias;
    bias = bias.permute({0, 3, 1, 2}).contiguous();  // [B, H, N, N]
    (void)H;

    const auto w = attention->materialize();
    for (std::int64_t l = 0; l < options_.num_layers; ++l) {
        x = x + attention->forward(norm1[std::size_t(l)]->as<torch::nn::LayerNorm>()->forward(x), b.mask, w, l, bias);
        x = x + ffn[std::size_t(l)]->as<torch::nn::Sequential>()->forward(
                    norm2[std::size_t(l)]->as<torch::nn::LayerNorm>()->forward(x));
    }
    return final_norm->forward(x);
}

MoleBlendImpl::PairOutputs MoleBlendImpl::recover(const torch::Tensor& h, const torch::Tensor& mask,
                                                  const torch::Tensor& positions, const torch::Tensor& relation) {
    auto p = pair_proj->forward(h);  // [B, N, P]
    auto pi = p.unsqueeze(2), pj = p.unsqueeze(1);
    auto pair = pair_mlp->forward(torch::cat({pi * pj, pi + pj, relation}, -1));  // [B, N, N, P], symmetric
    PairOutputs out;
    out.spd_logits = spd_head->forward(pair);
    out.edge_logits = edge_head->forward(pair);
    out.distance = distance_head->forward(pair).squeeze(-1);
    if (positions.defined()) {
        // Noise of atom i as a weighted sum of unit vectors from its neighbours j (rotation-equivariant).
        auto rel = positions.unsqueeze(2) - positions.unsqueeze(1);  // [B, N, N, 3]
        auto unit = rel / (rel.norm(2, -1, true) + 1e-3);
        auto wgt = noise_head->forward(pair).squeeze(-1) * mask.unsqueeze(1).to(h.scalar_type());  // [B, N, N]
        out.noise = (wgt.unsqueeze(-1) * unit).sum(2);
    }
    return out;
}

torch::Tensor MoleBlendImpl::properties(const torch::Tensor& h, const torch::Tensor& mask) {
    if (!property_head) fail("MoleBLEND: this model has no property head (num_targets = 0)");
    auto m = mask.to(h.scalar_type()).unsqueeze(-1);
    auto pooled = (h * m).sum(1) / m.sum(1).clamp_min(1.0);
    return property_head->forward(pooled);
}

std::int64_t MoleBlendImpl::attention_parameter_count() const {
    std::int64_t n = 0;
    for (const auto& p : attention->parameters()) n += p.numel();
    return n;
}
std::int64_t MoleBlendImpl::parameter_count() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

// ---------------------------------------------------------------------------------------------
// Pretraining objective

PretrainLosses pretrain_losses(MoleBlendImpl& model, const MoleBlendBatch& b, const BlendOptions& blend,
                               const LossWeights& w, at::Generator& generator) {
    const auto B = b.size(), N = b.atoms.size(1);
    const auto device = b.atoms.device();
    auto fmask = b.mask.to(torch::kFloat32);
    auto noise = (torch::randn({B, N, 3}, generator) * blend.coord_noise).to(device) * fmask.unsqueeze(-1);
    auto noisy = b.positions + noise;
    auto modality = blend_modalities(B, N, blend, generator, device);

    torch::Tensor relation;
    auto h = model.encode(b, noisy, modality, RelationMode::blend, &relation);
    auto out = model.recover(h, b.mask, noisy, relation);

    // Pairs: real atoms, i != j.
    auto eye = torch::eye(N, torch::TensorOptions().dtype(torch::kBool).device(device)).unsqueeze(0);
    auto pairs = (b.mask.unsqueeze(2) & b.mask.unsqueeze(1)) & eye.logical_not();  // [B, N, N]
    auto pf = pairs.to(torch::kFloat32);
    const auto npairs = pf.sum().clamp_min(1.0);

    auto r = (b.positions.unsqueeze(2) - b.positions.unsqueeze(1)).norm(2, -1);  // clean distances
    auto dist_err = (out.distance - r);
    auto l_dist = (dist_err.pow(2) * pf).sum() / npairs;
    const auto S = out.spd_logits.size(-1);
    auto l_spd = (torch::nn::functional::cross_entropy(out.spd_logits.reshape({-1, S}), b.hops.reshape({-1}),
                                                       torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                      .view({B, N, N}) * pf).sum() / npairs;
    auto l_edge = (torch::nn::functional::cross_entropy(out.edge_logits.reshape({-1, kBondTypes + 1}), b.bond.reshape({-1}),
                                                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                       .view({B, N, N}) * pf).sum() / npairs;
    auto l_noise = ((out.noise - noise).pow(2).sum(-1) * fmask).sum() / fmask.sum().clamp_min(1.0);

    PretrainLosses L;
    L.total = w.distance * l_dist + w.spd * l_spd + w.edge * l_edge + w.denoise * l_noise;
    L.distance = l_dist.item<double>();
    L.spd = l_spd.item<double>();
    L.edge = l_edge.item<double>();
    L.denoise = l_noise.item<double>();
    {
        torch::NoGradGuard ng;
        L.spd_accuracy = ((out.spd_logits.argmax(-1) == b.hops).to(torch::kFloat32) * pf).sum().item<double>() / npairs.item<double>();
        L.edge_accuracy = ((out.edge_logits.argmax(-1) == b.bond).to(torch::kFloat32) * pf).sum().item<double>() / npairs.item<double>();
        auto only2d = pairs & (modality != std::int64_t(kDistance));
        L.pairs_2d_only = only2d.sum().item<std::int64_t>();
        if (L.pairs_2d_only > 0)
            L.distance_mae_2d_only = dist_err.abs().masked_select(only2d).mean().item<double>();
        L.shown_2d_only = only2d.to(torch::kCPU);
        L.distance_prediction = out.distance.detach().to(torch::kCPU);
    }
    return L;
}

}  // namespace adit::models
