// Standard and MASA attention banks (see attention.hpp).
#include "adit/nn/attention.hpp"

#include <torch/version.h>

#include <cmath>
#include <limits>

#include "adit/core/error.hpp"

namespace adit::nn {

void validate(const AttentionOptions& o) {
    if (o.kind != "standard" && o.kind != "masa") fail("attention must be \"standard\" or \"masa\", not \"{}\"", o.kind);
    if (o.d_model <= 0 || o.num_heads <= 0 || o.d_model % o.num_heads != 0)
        fail("d_model ({}) must be a positive multiple of the number of heads ({})", o.d_model, o.num_heads);
    if (o.num_layers <= 0) fail("a transformer needs at least one layer, not {}", o.num_layers);
    if (o.kind == "masa" && (o.masa_atoms < 1 || o.masa_atoms > o.num_layers))
        fail("masa_atoms must be between 1 and the number of layers ({}), not {}", o.num_layers, o.masa_atoms);
}

ProjectionBankImpl::ProjectionBankImpl(std::int64_t num_layers, std::int64_t dim, const std::string& kind,
                                       std::int64_t num_atoms)
    : shared_(kind == "masa") {
    // Xavier-uniform matrices, as the DiT reference initialises its attention projections.
    const double bound = std::sqrt(6.0 / double(dim + dim));
    if (!shared_) {
        weight = register_parameter("weight", torch::empty({num_layers, dim, dim}).uniform_(-bound, bound));
    } else {
        atoms = register_parameter("atoms", torch::empty({num_atoms, dim, dim}).uniform_(-bound, bound));
        // A random orthogonal L x S table, rescaled so each layer's matrix starts at the scale of
        // one atom (rows of an orthonormal-column L x S table have norm ~ sqrt(S/L)).
        auto q = std::get<0>(torch::linalg_qr(torch::randn({num_layers, num_atoms})));
        coefficients = register_parameter(
            "coefficients", (q * std::sqrt(double(num_layers) / double(num_atoms))).contiguous());
    }
    bias = register_parameter("bias", torch::zeros({num_layers, dim}));
}

torch::Tensor ProjectionBankImpl::weights() const {
    if (!shared_) return weight;
    // [L, S] x [S, d*d] -> [L, d, d]
    const auto S = atoms.size(0), d_out = atoms.size(1), d_in = atoms.size(2);
    return coefficients.matmul(atoms.reshape({S, d_out * d_in})).reshape({-1, d_out, d_in});
}

AttentionStackImpl::AttentionStackImpl(const AttentionOptions& options) : options_(options) {
    validate(options);
    const auto L = options.num_layers, d = options.d_model;
    q = register_module("q", ProjectionBank(L, d, options.kind, options.masa_atoms));
    k = register_module("k", ProjectionBank(L, d, options.kind, options.masa_atoms));
    v = register_module("v", ProjectionBank(L, d, options.kind, options.masa_atoms));
    o = register_module("o", ProjectionBank(L, d, options.kind, options.masa_atoms));
}

AttentionStackImpl::Weights AttentionStackImpl::materialize() const {
    Weights w{q->weights(), k->weights(), v->weights(), o->weights(), {}, {}};
    w.qkv = torch::cat({w.q, w.k, w.v}, 1);                           // [L, 3d, d]
    w.qkv_bias = torch::cat({q->bias, k->bias, v->bias}, 1);          // [L, 3d]
    return w;
}

// The padded keys and an optional additive bias as one float mask [B or 1, H or 1, N, N].
static torch::Tensor logits_mask(const torch::Tensor& q, const torch::Tensor& key_mask, const torch::Tensor& bias) {
    auto m = bias.to(q.scalar_type());
    if (key_mask.defined())
        m = m.masked_fill(key_mask.logical_not().view({key_mask.size(0), 1, 1, key_mask.size(1)}),
                          -std::numeric_limits<float>::infinity());
    return m;
}

torch::Tensor scaled_dot_product_attention_explicit(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                                    const torch::Tensor& key_mask, const torch::Tensor& bias) {
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(q.size(-1)));  // [B, H, N, N]
    if (bias.defined()) scores = scores + logits_mask(q, key_mask, bias);
    else if (key_mask.defined())
        scores = scores.masked_fill(key_mask.logical_not().view({key_mask.size(0), 1, 1, key_mask.size(1)}),
                                    -std::numeric_limits<float>::infinity());
    return torch::matmul(torch::softmax(scores, -1), v);  // [B, H, N, dh]
}

bool fused_attention_available() { return TORCH_VERSION_MAJOR >= 2; }

torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& key_mask, const torch::Tensor& bias) {
#if TORCH_VERSION_MAJOR >= 2
    // bool (true = the key takes part) without a bias, else one float mask carrying both;
    // broadcast over heads and queries.
    c10::optional<torch::Tensor> attn_mask;
    if (bias.defined()) attn_mask = logits_mask(q, key_mask, bias);
    else if (key_mask.defined()) attn_mask = key_mask.view({key_mask.size(0), 1, 1, key_mask.size(1)});
    return at::scaled_dot_product_attention(q, k, v, attn_mask);
#else
    return scaled_dot_product_attention_explicit(q, k, v, key_mask, bias);
#endif
}

torch::Tensor AttentionStackImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, const Weights& w,
                                          std::int64_t l, const torch::Tensor& bias) const {
    const auto B = x.size(0), N = x.size(1), H = options_.num_heads, dh = options_.d_model / H;
    // One projection for Q, K and V: [B, N, 3, H, dh] -> 3 x [B, H, N, dh].
    // Projections as addmm over the flattened rows, so that CUDA adds the bias in the matrix
    // product's epilogue (at::linear on these 3-D inputs ran a separate, broadcast bias add).
    auto qkv = torch::addmm(w.qkv_bias[l], x.reshape({B * N, -1}), w.qkv[l].t()).view({B, N, 3, H, dh}).permute({2, 0, 3, 1, 4});
    auto out = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask, bias);  // [B, H, N, dh]
    out = out.transpose(1, 2).reshape({B * N, H * dh});
    return torch::addmm(o->bias[l], out, w.o[l].t()).view({B, N, -1});
}

void masa_from_standard(const AttentionStackImpl& standard, AttentionStackImpl& target) {
    if (standard.options().kind != "standard" || target.options().kind != "masa")
        fail("MASA initialisation needs a standard source and a masa target");
    if (standard.options().d_model != target.options().d_model ||
        standard.options().num_layers != target.options().num_layers)
        fail("MASA initialisation: source and target stacks differ in width or depth");
    torch::NoGradGuard no_grad;
    const ProjectionBank src[4] = {standard.q, standard.k, standard.v, standard.o};
    const ProjectionBank dst[4] = {target.q, target.k, target.v, target.o};
    for (int p = 0; p < 4; ++p) {
        const auto W = src[p]->weight;  // [L, d, d]
        const auto L = W.size(0), S = dst[p]->atoms.size(0);
        auto flat = W.reshape({L, -1}).to(torch::kFloat64);  // [L, d^2]
        auto [U, Sigma, Vh] = torch::linalg_svd(flat, /*full_matrices=*/false);
        // W ~ (U_S diag(Sigma_S)) Vh_S: coefficients [L, S], atoms [S, d^2].
        auto coeff = U.slice(1, 0, S) * Sigma.slice(0, 0, S);
        auto atoms = Vh.slice(0, 0, S);
        dst[p]->coefficients.copy_(coeff);
        dst[p]->atoms.copy_(atoms.reshape(dst[p]->atoms.sizes()));
        dst[p]->bias.copy_(src[p]->bias);
    }
}

}  // namespace adit::nn
