#include "adit/train/ema.hpp"

#include <torch/version.h>

#include <algorithm>

#include "adit/core/error.hpp"

namespace adit::train {

EMA::EMA(torch::nn::Module& module, double decay) : module_(module), decay_(decay) {
    torch::NoGradGuard g;
    for (auto& p : module.named_parameters()) {
        shadow_[p.key()] = p.value().detach().clone();
        // A frozen parameter's shadow stays its exact value (averaging x with x rounds).
        if (!p.value().requires_grad()) continue;
        live_.push_back(p.value());
        shadows_.push_back(shadow_[p.key()]);
    }
}

double EMA::decay_at(std::int64_t step) const { return std::min(decay_, (1.0 + double(step)) / (10.0 + double(step))); }

void EMA::update(std::int64_t step) {
    torch::NoGradGuard g;
    const double d = decay_at(step);
#if TORCH_VERSION_MAJOR >= 2
    // One multi-tensor kernel per op instead of two launches per parameter.
    torch::_foreach_mul_(shadows_, d);
    torch::_foreach_add_(shadows_, live_, 1 - d);
#else
    for (std::size_t i = 0; i < live_.size(); ++i) shadows_[i].mul_(d).add_(live_[i].detach(), 1 - d);
#endif
}

void EMA::update(const torch::Tensor& decay) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    torch::NoGradGuard g;
    torch::_foreach_mul_(shadows_, decay);
    torch::_foreach_add_(shadows_, torch::_foreach_mul(live_, 1 - decay));
#else
    (void)decay;
    fail("EMA::update with a tensor decay needs LibTorch >= 2.1");
#endif
}

void EMA::save(torch::serialize::OutputArchive& archive) const {
    for (const auto& [k, v] : shadow_) archive.write(k, v.to(torch::kCPU));
}

void EMA::load(torch::serialize::InputArchive& archive) {
    torch::NoGradGuard g;
    for (auto& [k, v] : shadow_) {
        torch::Tensor t;
        archive.read(k, t);
        v.copy_(t);  // in place: shadows_ holds the same tensors
    }
}

std::map<std::string, torch::Tensor> EMA::snapshot() const {
    std::map<std::string, torch::Tensor> out;
    for (const auto& [k, v] : shadow_) out[k] = v.clone();
    return out;
}

void EMA::with_weights(const std::function<void()>& f) {
    std::map<std::string, torch::Tensor> saved;
    torch::NoGradGuard g;
    for (auto& p : module_.named_parameters()) {
        saved[p.key()] = p.value().detach().clone();
        p.value().copy_(shadow_[p.key()]);
    }
    f();
    for (auto& p : module_.named_parameters()) p.value().copy_(saved[p.key()]);
}

}  // namespace adit::train
