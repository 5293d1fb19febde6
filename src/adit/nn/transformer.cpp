// Pre-norm and adaLN-Zero transformer stacks, embeddings, parameter accounting.
#include "adit/nn/transformer.hpp"

#include <algorithm>
#include <cmath>

namespace adit::nn {

namespace F = torch::nn::functional;

torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t hidden, std::int64_t out) {
    return torch::nn::Sequential(torch::nn::Linear(in, hidden),
                                 torch::nn::GELU(torch::nn::GELUOptions().approximate("tanh")),
                                 torch::nn::Linear(hidden, out));
}

TransformerImpl::TransformerImpl(const TransformerOptions& o) : options_(o) {
    attention = register_module(
        "attention", AttentionStack(AttentionOptions{o.d_model, o.num_heads, o.num_layers, o.attention, o.masa_atoms}));
    const bool adaptive = o.cond_dim > 0;
    for (std::int64_t l = 0; l < o.num_layers; ++l) {
        // adaLN blocks take scale and shift from the condition: no affine LayerNorm parameters.
        auto ln = torch::nn::LayerNormOptions({o.d_model}).elementwise_affine(!adaptive).eps(1e-6);
        norm1->push_back(torch::nn::LayerNorm(ln));
        norm2->push_back(torch::nn::LayerNorm(ln));
        mlp->push_back(make_mlp(o.d_model, o.ff_dim, o.d_model));
        if (adaptive) {
            // adaLN-Zero: shift/scale/gate for attention and MLP, zero-initialised so that
            // every block starts as the identity.
            auto lin = torch::nn::Linear(o.cond_dim, 6 * o.d_model);
            torch::nn::init::zeros_(lin->weight);
            torch::nn::init::zeros_(lin->bias);
            adaln->push_back(torch::nn::Sequential(torch::nn::SiLU(), lin));
        }
    }
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("mlp", mlp);
    if (adaptive) register_module("adaln", adaln);
    else final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model}).eps(1e-6)));
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& input, const torch::Tensor& mask, const torch::Tensor& cond) {
    const auto w = attention->materialize();  // all L layers' Q, K, V, O at once
    auto x = input;
    const bool adaptive = options_.cond_dim > 0;
    for (std::int64_t l = 0; l < options_.num_layers; ++l) {
        auto n1 = norm1[l]->as<torch::nn::LayerNorm>();
        auto n2 = norm2[l]->as<torch::nn::LayerNorm>();
        auto ff = mlp[l]->as<torch::nn::Sequential>();
        if (!adaptive) {
            x = x + attention->forward(n1->forward(x), mask, w, l);
            x = x + ff->forward(n2->forward(x));
        } else {
            auto mod = adaln[l]->as<torch::nn::Sequential>()->forward(cond).unsqueeze(1).chunk(6, -1);  // 6 x [B, 1, d]
            // shift + norm(x) (1 + scale) and x + gate f(h) as one addcmul each (was a
            // broadcast multiply, then a broadcast add: two passes over [B, N, d]).
            auto h = torch::addcmul(mod[0], n1->forward(x), 1 + mod[1]);
            x = torch::addcmul(x, mod[2], attention->forward(h, mask, w, l));
            h = torch::addcmul(mod[3], n2->forward(x), 1 + mod[4]);
            x = torch::addcmul(x, mod[5], ff->forward(h));
        }
    }
    return adaptive ? x : final_norm->forward(x);
}

torch::Tensor sinusoidal_embedding(const torch::Tensor& x, std::int64_t dim, double max_period) {
    const auto half = dim / 2;
    auto freqs = torch::exp(-std::log(max_period) * torch::arange(half, x.options().dtype(torch::kFloat32)) / double(half));
    auto args = x.to(torch::kFloat32).unsqueeze(-1) * freqs;  // [..., half]
    auto emb = torch::cat({torch::cos(args), torch::sin(args)}, -1);
    if (dim % 2) emb = torch::cat({emb, torch::zeros_like(emb.narrow(-1, 0, 1))}, -1);
    return emb;
}

ScalarEmbedderImpl::ScalarEmbedderImpl(std::int64_t dim, std::int64_t frequency_dim, double scale)
    : frequency_dim_(frequency_dim), scale_(scale) {
    mlp_ = register_module("embed_mlp", torch::nn::Sequential(torch::nn::Linear(frequency_dim, dim), torch::nn::SiLU(),
                                                              torch::nn::Linear(dim, dim)));
}

torch::Tensor ScalarEmbedderImpl::forward(const torch::Tensor& x) {
    return mlp_->forward(sinusoidal_embedding(x * scale_, frequency_dim_));
}

ParameterCounts count_parameters(const torch::nn::Module& module, const std::vector<std::string>& left_out) {
    ParameterCounts c;
    for (const auto& item : module.named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        if (std::find(left_out.begin(), left_out.end(), name.substr(0, name.find('.'))) != left_out.end()) continue;
        const auto n = item.value().numel();
        // Module paths look like "encoder.attention.q.atoms" or "encoder.mlp.3.0.weight".
        if (name.find("attention.") != std::string::npos) c.attention += n;
        else if (name.find(".mlp.") != std::string::npos || name.rfind("mlp.", 0) == 0) c.mlp += n;
        else c.other += n;
    }
    return c;
}

}  // namespace adit::nn
