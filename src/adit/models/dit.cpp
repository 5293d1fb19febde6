// Latent DiT and its flow-matching objective (see dit.hpp).
#include "adit/models/dit.hpp"

#include "adit/core/error.hpp"

namespace adit::models {

using nlohmann::json;

json to_json(const DiTOptions& o) {
    return {{"d_model", o.d_model},           {"num_heads", o.num_heads},
            {"num_layers", o.num_layers},     {"mlp_ratio", o.mlp_ratio},
            {"attention", o.attention},       {"masa_atoms", o.masa_atoms},
            {"latent_dim", o.latent_dim},     {"num_classes", o.num_classes},
            {"class_dropout", o.class_dropout}, {"self_condition", o.self_condition},
            {"t_min", o.t_min},               {"t_max", o.t_max},
            {"center_noise", o.center_noise}};
}

DiTOptions dit_options_from_json(const json& j) {
    DiTOptions o;
    o.d_model = j.value("d_model", o.d_model);
    o.num_heads = j.value("num_heads", o.num_heads);
    o.num_layers = j.value("num_layers", o.num_layers);
    o.mlp_ratio = j.value("mlp_ratio", o.mlp_ratio);
    o.attention = j.value("attention", o.attention);
    o.masa_atoms = j.value("masa_atoms", o.masa_atoms);
    o.latent_dim = j.value("latent_dim", o.latent_dim);
    o.num_classes = j.value("num_classes", o.num_classes);
    o.class_dropout = j.value("class_dropout", o.class_dropout);
    o.self_condition = j.value("self_condition", o.self_condition);
    o.t_min = j.value("t_min", o.t_min);
    o.t_max = j.value("t_max", o.t_max);
    o.center_noise = j.value("center_noise", o.center_noise);
    if (!(0 <= o.t_min && o.t_min < o.t_max && o.t_max < 1)) fail("need 0 <= t_min < t_max < 1");
    return o;
}

DiTImpl::DiTImpl(const DiTOptions& o, double latent_scale) : options_(o) {
    const auto d = o.d_model, C = o.latent_dim;
    blocks = register_module("blocks", nn::Transformer(nn::TransformerOptions{d, o.num_heads, o.num_layers,
                                                                              o.mlp_ratio * d, o.attention,
                                                                              o.masa_atoms, d}));
    x_embed = register_module("x_embed", torch::nn::Linear(o.self_condition ? 2 * C : C, d));
    t_embed = register_module("t_embed", nn::ScalarEmbedder(d, kTimeFrequencies, kTimeScale));
    y_embed = register_module("y_embed", torch::nn::Embedding(o.num_classes + 1, d));
    final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).elementwise_affine(false).eps(1e-6)));
    auto ada = torch::nn::Linear(d, 2 * d);
    final_linear = torch::nn::Linear(d, C);
    for (auto* lin : {&ada, &final_linear}) {  // adaLN-Zero: the network starts by predicting 0
        torch::nn::init::zeros_((*lin)->weight);
        torch::nn::init::zeros_((*lin)->bias);
    }
    final_adaln = register_module("final_adaln", torch::nn::Sequential(torch::nn::SiLU(), ada));
    register_module("final_linear", final_linear);
    latent_scale_ = register_buffer("latent_scale", torch::tensor({latent_scale}, torch::kFloat32));
}

torch::Tensor DiTImpl::forward(const torch::Tensor& x_t, const torch::Tensor& t, const torch::Tensor& label,
                               const torch::Tensor& mask, const torch::Tensor& x_sc) {
    auto in = x_t;
    if (options_.self_condition) in = torch::cat({x_t, x_sc.defined() ? x_sc : torch::zeros_like(x_t)}, -1);
    auto index = torch::arange(x_t.size(1), torch::TensorOptions().device(x_t.device())).unsqueeze(0).expand_as(mask);
    auto h = x_embed->forward(in) + nn::sinusoidal_embedding(index, options_.d_model);  // [B, N, d]
    auto c = t_embed->forward(t) + y_embed->forward(label);                              // [B, d]
    h = blocks->forward(h, mask, c);
    auto mod = final_adaln->forward(c).unsqueeze(1).chunk(2, -1);
    h = final_norm->forward(h) * (1 + mod[1]) + mod[0];
    return final_linear->forward(h) * mask.to(h.dtype()).unsqueeze(-1);
}

torch::Tensor DiTImpl::sample_noise(const torch::Tensor& mask) const {
    auto maskf = mask.to(torch::kFloat32).unsqueeze(-1);
    auto x0 = torch::randn({mask.size(0), mask.size(1), options_.latent_dim}, maskf.options()) * maskf;
    if (options_.center_noise) x0 = (x0 - x0.sum(1, true) / maskf.sum(1, true).clamp_min(1)) * maskf;
    return x0;
}

torch::Tensor DiTImpl::loss(const torch::Tensor& x1, const torch::Tensor& label, const torch::Tensor& mask) {
    const auto B = x1.size(0);
    auto maskf = mask.to(x1.dtype()).unsqueeze(-1);  // [B, N, 1]
    auto x0 = sample_noise(mask);
    auto t = torch::rand({B}, x1.options()) * (options_.t_max - options_.t_min) + options_.t_min;
    auto tt = t.view({B, 1, 1});
    auto xt = (1 - tt) * x0 + tt * x1;
    // Classifier-free guidance: drop the label to the null class for a share of examples.
    auto drop = torch::rand({B}, x1.options()) < options_.class_dropout;
    auto y = torch::where(drop, torch::full_like(label, options_.num_classes), label);
    torch::Tensor sc;
    if (options_.self_condition) {
        // With probability 1/2, condition on the model's own (detached) first estimate of x1.
        sc = torch::zeros_like(x1);
        auto use = torch::rand({B}, x1.options()) < 0.5;
        // The first pass always runs (no host round trip to ask whether any example uses it);
        // the examples that do not use it get zeros, as before.
        {
            torch::NoGradGuard no_grad;
            auto first = forward(xt, t, y, mask, sc).to(x1.dtype());
            sc = first * use.to(x1.dtype()).view({B, 1, 1});
        }
    }
    auto pred = forward(xt, t, y, mask, sc).to(torch::kFloat32);  // the loss in fp32 under autocast too
    return ((pred - x1).pow(2) * maskf).sum() / (maskf.sum() * double(options_.latent_dim)).clamp_min(1);
}

void deepen_into(const DiTImpl& source, DiTImpl& deeper) {
    const auto& from = source.options();
    const auto& to = deeper.options();
    auto same = to_json(from), target = to_json(to);
    same.erase("num_layers");
    target.erase("num_layers");
    if (same != target) fail("deepening: the models differ in more than their number of layers");
    if (to.num_layers <= from.num_layers)
        fail("deepening: the new model has {} layers, the source {}: it must have more", to.num_layers, from.num_layers);
    torch::NoGradGuard no_grad;
    const auto stored = source.named_parameters();
    for (auto& p : deeper.named_parameters()) {
        const auto* t = stored.find(p.key());
        if (!t) continue;  // a block the source does not have (blocks.mlp.L..., blocks.adaln.L...): as initialised
        auto& target_tensor = p.value();
        if (t->sizes() == target_tensor.sizes()) {
            target_tensor.copy_(*t);
        } else if (t->dim() == target_tensor.dim() && t->size(0) == from.num_layers && target_tensor.size(0) == to.num_layers &&
                   t->sizes().slice(1) == target_tensor.sizes().slice(1)) {
            target_tensor.narrow(0, 0, from.num_layers).copy_(*t);  // a stacked [L, ...] bank
        } else {
            fail("deepening: \"{}\" has an unexpected shape", p.key());
        }
    }
    deeper.named_buffers()["latent_scale"].copy_(source.named_buffers()["latent_scale"]);
}

}  // namespace adit::models
