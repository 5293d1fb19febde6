// The all-atom VAE (see vae.hpp).
#include "adit/models/vae.hpp"

#include <cmath>

#include "adit/core/error.hpp"

namespace adit::models {

namespace F = torch::nn::functional;
using nlohmann::json;

namespace {

json to_json(const SystemWeights& w) { return {{"molecule", w.molecule}, {"crystal", w.crystal}}; }
SystemWeights weights_from_json(const json& j, SystemWeights d) {
    return {j.value("molecule", d.molecule), j.value("crystal", d.crystal)};
}

// Per-structure weight of one term: [B] from the [B] system labels. Built on the labels' device
// without a host-to-device copy, so that a training step can be captured as a CUDA graph.
torch::Tensor per_system(const SystemWeights& w, const torch::Tensor& system) {
    const auto f32 = system.options().dtype(torch::kFloat32);
    return torch::where(system == data::kCrystal, torch::full(system.sizes(), w.crystal, f32),
                        torch::full(system.sizes(), w.molecule, f32));
}

// Mean of a per-atom quantity [B, N] over the real atoms of each structure -> [B].
torch::Tensor masked_mean_atoms(const torch::Tensor& x, const torch::Tensor& maskf) {
    return (x * maskf).sum(1) / maskf.sum(1).clamp_min(1);
}

}  // namespace

json to_json(const VAEOptions& o) {
    return {{"d_model", o.d_model},
            {"num_heads", o.num_heads},
            {"num_layers", o.num_layers},
            {"ff_dim", o.ff_dim},
            {"attention", o.attention},
            {"masa_atoms", o.masa_atoms},
            {"latent_dim", o.latent_dim},
            {"max_atomic_number", o.max_atomic_number},
            {"denoise_fraction", o.denoise_fraction},
            {"denoise_std", o.denoise_std},
            {"loss_weights",
             {{"atom_types", to_json(o.weights.atom_types)},
              {"lattice_lengths", to_json(o.weights.lattice_lengths)},
              {"lattice_angles", to_json(o.weights.lattice_angles)},
              {"fractional", to_json(o.weights.fractional)},
              {"cartesian", to_json(o.weights.cartesian)},
              {"kl", o.weights.kl}}}};
}

VAEOptions vae_options_from_json(const json& j) {
    VAEOptions o;
    o.d_model = j.value("d_model", o.d_model);
    o.num_heads = j.value("num_heads", o.num_heads);
    o.num_layers = j.value("num_layers", o.num_layers);
    o.ff_dim = j.value("ff_dim", o.ff_dim);
    o.attention = j.value("attention", o.attention);
    o.masa_atoms = j.value("masa_atoms", o.masa_atoms);
    o.latent_dim = j.value("latent_dim", o.latent_dim);
    o.max_atomic_number = j.value("max_atomic_number", o.max_atomic_number);
    o.denoise_fraction = j.value("denoise_fraction", o.denoise_fraction);
    o.denoise_std = j.value("denoise_std", o.denoise_std);
    if (j.contains("loss_weights")) {
        const json& w = j["loss_weights"];
        auto& d = o.weights;
        if (w.contains("atom_types")) d.atom_types = weights_from_json(w["atom_types"], d.atom_types);
        if (w.contains("lattice_lengths")) d.lattice_lengths = weights_from_json(w["lattice_lengths"], d.lattice_lengths);
        if (w.contains("lattice_angles")) d.lattice_angles = weights_from_json(w["lattice_angles"], d.lattice_angles);
        if (w.contains("fractional")) d.fractional = weights_from_json(w["fractional"], d.fractional);
        if (w.contains("cartesian")) d.cartesian = weights_from_json(w["cartesian"], d.cartesian);
        d.kl = w.value("kl", d.kl);
    }
    if (o.latent_dim <= 0) fail("latent_dim must be positive, not {}", o.latent_dim);
    if (o.denoise_fraction < 0 || o.denoise_fraction > 1) fail("denoise_fraction must be in [0, 1]");
    return o;
}

Normalization compute_normalization(const data::Batch& all) {
    Normalization n;
    auto maskf = all.mask.to(torch::kFloat32);
    // One isotropic scale for Cartesian coordinates: RMS over the real atoms' components.
    const double count = maskf.sum().item<double>();
    if (count > 0) {
        const double ms = (all.positions.pow(2).sum(-1) * maskf).sum().item<double>() / (3 * count);
        if (ms > 1e-12) n.position_scale = std::sqrt(ms);
    }
    auto crystals = all.system == data::kCrystal;
    if (crystals.any().item<bool>()) {
        auto lat = all.lattice.index({crystals}).to(torch::kFloat64);  // [C, 6]
        auto mean = lat.mean(0);
        auto std = lat.size(0) > 1 ? lat.std(0) : torch::ones({6}, lat.options());
        for (int i = 0; i < 6; ++i) {
            n.lattice_mean[i] = mean[i].item<double>();
            n.lattice_std[i] = std::max(std[i].item<double>(), 1e-3);
        }
    }
    return n;
}

json to_json(const Normalization& n) {
    return {{"position_scale", n.position_scale}, {"lattice_mean", n.lattice_mean}, {"lattice_std", n.lattice_std}};
}

Normalization normalization_from_json(const json& j) {
    Normalization n;
    n.position_scale = j.at("position_scale").get<double>();
    n.lattice_mean = j.at("lattice_mean").get<std::array<double, 6>>();
    n.lattice_std = j.at("lattice_std").get<std::array<double, 6>>();
    return n;
}

VAEImpl::VAEImpl(const VAEOptions& o, const Normalization& norm) : options_(o) {
    const auto d = o.d_model;
    nn::TransformerOptions t{d, o.num_heads, o.num_layers, o.ff_dim, o.attention, o.masa_atoms, 0};
    encoder = register_module("encoder", nn::Transformer(t));
    decoder = register_module("decoder", nn::Transformer(t));
    type_embed = register_module("type_embed", torch::nn::Embedding(o.max_atomic_number + 1, d));
    enc_system_embed = register_module("enc_system_embed", torch::nn::Embedding(2, d));
    dec_system_embed = register_module("dec_system_embed", torch::nn::Embedding(2, d));
    cart_embed = register_module("cart_embed", nn::make_mlp(3, d, d));
    frac_embed = register_module("frac_embed", nn::make_mlp(3, d, d));
    latent_head = register_module("latent_head", torch::nn::Linear(d, 2 * o.latent_dim));
    latent_in = register_module("latent_in", torch::nn::Linear(o.latent_dim, d));
    type_head = register_module("type_head", torch::nn::Linear(d, o.max_atomic_number + 1));
    cart_head = register_module("cart_head", torch::nn::Linear(d, 3));
    frac_head = register_module("frac_head", torch::nn::Linear(d, 3));
    lattice_head = register_module("lattice_head", nn::make_mlp(d, d, 6));
    position_scale_ = register_buffer("position_scale", torch::tensor({norm.position_scale}, torch::kFloat32));
    lattice_mean_ = register_buffer("lattice_mean", torch::tensor(std::vector<double>(norm.lattice_mean.begin(), norm.lattice_mean.end())).to(torch::kFloat32));
    lattice_std_ = register_buffer("lattice_std", torch::tensor(std::vector<double>(norm.lattice_std.begin(), norm.lattice_std.end())).to(torch::kFloat32));
}

Normalization VAEImpl::normalization() const {
    Normalization n;
    n.position_scale = position_scale_.item<double>();
    auto m = lattice_mean_.to(torch::kCPU).to(torch::kFloat64), s = lattice_std_.to(torch::kCPU).to(torch::kFloat64);
    for (int i = 0; i < 6; ++i) {
        n.lattice_mean[i] = m[i].item<double>();
        n.lattice_std[i] = s[i].item<double>();
    }
    return n;
}

torch::Tensor VAEImpl::token_features(const torch::Tensor& mask, const torch::Tensor& system) {
    (void)system;
    auto index = torch::arange(mask.size(1), torch::TensorOptions().device(mask.device())).unsqueeze(0).expand_as(mask);
    return nn::sinusoidal_embedding(index, options_.d_model);  // [B, N, d]
}

std::pair<torch::Tensor, torch::Tensor> VAEImpl::encode(const data::Batch& b, bool corrupt) {
    if (decoder_only_)
        fail("this VAE came from a sampling-only release (adit export --sampling-only): it has no encoder; "
             "use the full VAE or DiT checkpoint to encode or train (adit compress: --vae with the VAE release)");
    auto cart = b.positions / position_scale_;  // [B, N, 3]
    auto frac = b.fractional;
    if (corrupt && options_.denoise_fraction > 0) {
        // Denoising: a random share of atoms gets Gaussian noise on its input coordinates;
        // the loss still asks for the clean structure.
        auto pick = (torch::rand(b.mask.sizes(), cart.options()) < options_.denoise_fraction).to(cart.dtype()).unsqueeze(-1);
        cart = cart + pick * options_.denoise_std * torch::randn_like(cart);
        frac = frac + pick * options_.denoise_std * torch::randn_like(frac);
    }
    auto h = type_embed->forward(b.atomic_numbers) + cart_embed->forward(cart) + frac_embed->forward(frac) +
             token_features(b.mask, b.system) + enc_system_embed->forward(b.system).unsqueeze(1);
    h = encoder->forward(h, b.mask);
    auto out = latent_head->forward(h).chunk(2, -1);
    return {out[0], out[1].clamp(-20, 10)};
}

VAEImpl::Decoded VAEImpl::decode(const torch::Tensor& z, const torch::Tensor& system, const torch::Tensor& mask) {
    auto h = latent_in->forward(z) + token_features(mask, system) + dec_system_embed->forward(system).unsqueeze(1);
    h = decoder->forward(h, mask);  // [B, N, d]
    auto maskf = mask.to(h.dtype()).unsqueeze(-1);
    auto pooled = (h * maskf).sum(1) / maskf.sum(1).clamp_min(1);  // [B, d]
    return {type_head->forward(h), cart_head->forward(h), frac_head->forward(h), lattice_head->forward(pooled)};
}

VAELoss VAEImpl::loss(const data::Batch& b, bool training, bool metrics) {
    auto [mu_raw, logvar_raw] = encode(b, training);
    // Under bf16 autocast the network's outputs are bf16; every loss term is computed in fp32.
    auto mu = mu_raw.to(torch::kFloat32), logvar = logvar_raw.to(torch::kFloat32);
    auto z = training ? mu + torch::exp(0.5 * logvar) * torch::randn_like(mu) : mu;
    auto dec = decode(z, b.system, b.mask);
    dec.type_logits = dec.type_logits.to(torch::kFloat32);
    dec.cartesian = dec.cartesian.to(torch::kFloat32);
    dec.fractional = dec.fractional.to(torch::kFloat32);
    dec.lattice = dec.lattice.to(torch::kFloat32);
    const auto& w = options_.weights;
    auto maskf = b.mask.to(torch::kFloat32);  // [B, N]
    const auto B = double(b.size());

    // Atom types: cross-entropy per atom.
    auto ce = F::cross_entropy(dec.type_logits.reshape({-1, dec.type_logits.size(-1)}), b.atomic_numbers.reshape({-1}),
                               F::CrossEntropyFuncOptions().reduction(torch::kNone))
                  .view_as(maskf);
    auto l_types = masked_mean_atoms(ce, maskf);                                                    // [B]
    auto cart_t = b.positions / position_scale_;
    auto l_cart = masked_mean_atoms((dec.cartesian - cart_t).pow(2).mean(-1), maskf);                // [B]
    auto l_frac = masked_mean_atoms((dec.fractional - b.fractional).pow(2).mean(-1), maskf);        // [B]
    auto lat_t = (b.lattice - lattice_mean_) / lattice_std_;
    auto l_len = (dec.lattice.narrow(1, 0, 3) - lat_t.narrow(1, 0, 3)).pow(2).mean(-1);             // [B]
    auto l_ang = (dec.lattice.narrow(1, 3, 3) - lat_t.narrow(1, 3, 3)).pow(2).mean(-1);             // [B]
    auto kl = masked_mean_atoms((-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(-1), maskf);  // [B]

    auto weighted = [&](const torch::Tensor& l, const SystemWeights& sw) { return (per_system(sw, b.system) * l).sum() / B; };
    VAELoss r;
    r.total = weighted(l_types, w.atom_types) + weighted(l_cart, w.cartesian) + weighted(l_frac, w.fractional) +
              weighted(l_len, w.lattice_lengths) + weighted(l_ang, w.lattice_angles) + w.kl * kl.mean();

    if (!metrics) return r;
    torch::NoGradGuard no_grad;
    r.types = l_types.mean().item<double>();
    r.cartesian = l_cart.mean().item<double>();
    r.fractional = l_frac.mean().item<double>();
    r.lengths = l_len.mean().item<double>();
    r.angles = l_ang.mean().item<double>();
    r.kl = kl.mean().item<double>();
    auto pred = dec.type_logits.narrow(-1, 1, options_.max_atomic_number).argmax(-1) + 1;
    r.type_accuracy = ((pred == b.atomic_numbers).to(torch::kFloat32) * maskf).sum().item<double>() / maskf.sum().item<double>();
    auto mol = (b.system == data::kMolecule).to(torch::kFloat32).unsqueeze(1) * maskf;
    auto cry = (b.system == data::kCrystal).to(torch::kFloat32).unsqueeze(1) * maskf;
    if (mol.sum().item<double>() > 0) {
        auto sq = (dec.cartesian * position_scale_ - b.positions).pow(2).sum(-1);
        r.cartesian_rmsd = std::sqrt((sq * mol).sum().item<double>() / mol.sum().item<double>());
    }
    if (cry.sum().item<double>() > 0) {
        auto sq = (dec.fractional - b.fractional).pow(2).sum(-1);
        r.fractional_rmse = std::sqrt((sq * cry).sum().item<double>() / cry.sum().item<double>());
        auto crystals = b.system == data::kCrystal;
        auto lat = (dec.lattice * lattice_std_ + lattice_mean_ - b.lattice).abs().index({crystals});  // [C, 6]
        r.length_mae = lat.narrow(1, 0, 3).mean().item<double>();
        r.angle_mae = lat.narrow(1, 3, 3).mean().item<double>();
    }
    return r;
}

const std::vector<std::string>& VAEImpl::encoder_module_names() {
    static const std::vector<std::string> names = {"encoder",    "type_embed", "enc_system_embed",
                                                   "cart_embed", "frac_embed", "latent_head"};
    return names;
}

std::vector<torch::Tensor> VAEImpl::encoder_parameters() {
    std::vector<torch::Tensor> out;
    const auto children = named_children();
    for (const auto& name : encoder_module_names())
        for (auto& p : children[name]->parameters()) out.push_back(p);
    return out;
}

data::Batch VAEImpl::decode_to_batch(const torch::Tensor& z, const torch::Tensor& system, const torch::Tensor& mask) {
    torch::NoGradGuard no_grad;
    auto dec = decode(z, system, mask);
    data::Batch b;
    b.mask = mask;
    b.system = system;
    b.num_atoms = mask.sum(1);
    b.atomic_numbers = (dec.type_logits.narrow(-1, 1, options_.max_atomic_number).argmax(-1) + 1) * mask;
    auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    b.positions = dec.cartesian * position_scale_ * maskf;
    auto frac = dec.fractional - torch::floor(dec.fractional);  // wrap into [0, 1)
    auto crystal = (system == data::kCrystal).to(torch::kFloat32);
    b.fractional = frac * maskf * crystal.view({-1, 1, 1});
    b.lattice = (dec.lattice * lattice_std_ + lattice_mean_) * crystal.unsqueeze(1);
    b.index.assign(std::size_t(mask.size(0)), -1);
    return b;
}

}  // namespace adit::models
