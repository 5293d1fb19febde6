#include "adit/train/optimizer_step.hpp"

#include "adit/core/error.hpp"

namespace adit::train {

void move_optimizer_state(torch::optim::AdamW& optimizer, const torch::Device& device) {
    for (auto& kv : optimizer.state()) {
        auto& s = static_cast<torch::optim::AdamWParamState&>(*kv.second);
        if (s.exp_avg().defined()) s.exp_avg(s.exp_avg().to(device));
        if (s.exp_avg_sq().defined()) s.exp_avg_sq(s.exp_avg_sq().to(device));
        if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(device));
    }
}

void save_optimizer_cpu(torch::optim::AdamW& optimizer, torch::serialize::OutputArchive& archive) {
    struct Kept {
        torch::optim::AdamWParamState* state;
        torch::Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
    };
    std::vector<Kept> kept;
    for (auto& kv : optimizer.state()) {
        auto& s = static_cast<torch::optim::AdamWParamState&>(*kv.second);
        kept.push_back({&s, s.exp_avg(), s.exp_avg_sq(), s.max_exp_avg_sq()});
    }
    move_optimizer_state(optimizer, torch::kCPU);  // no-op copies on the CPU
    optimizer.save(archive);
    for (auto& k : kept) {
        k.state->exp_avg(k.exp_avg);
        k.state->exp_avg_sq(k.exp_avg_sq);
        k.state->max_exp_avg_sq(k.max_exp_avg_sq);
    }
}

torch::Tensor clip_gradients(const std::vector<torch::Tensor>& params, double max_norm) {
    torch::NoGradGuard g;
    std::vector<torch::Tensor> grads;
    for (const auto& p : params)
        if (p.grad().defined()) grads.push_back(p.grad());
    if (grads.empty()) return torch::zeros({});
#if TORCH_VERSION_MAJOR >= 2
    auto norms = torch::_foreach_norm(grads, 2);
#else
    std::vector<torch::Tensor> norms;
    for (const auto& g : grads) norms.push_back(g.norm(2));
#endif
    auto total = torch::stack(norms).to(torch::kFloat32).norm(2);
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
#if TORCH_VERSION_MAJOR >= 2
    torch::_foreach_mul_(grads, coef);
#else
    for (auto& g : grads) g.mul_(coef);
#endif
    return total;
}

AdamWStepper::AdamWStepper(torch::optim::AdamW& optimizer, const torch::Device& device) : optimizer_(optimizer) {
    fused_ = ADIT_FUSED_ADAMW && device.is_cuda();
}

void AdamWStepper::count_host_step() {
#if ADIT_FUSED_ADAMW  // only the fused path keys the state by TensorImpl (and is the only one replayed)
    auto& state = optimizer_.state();
    for (auto& p : optimizer_.param_groups().at(0).params()) {
        auto it = state.find(p.unsafeGetTensorImpl());
        if (it == state.end()) continue;
        auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
        s.step(s.step() + 1);
    }
#endif
}

void AdamWStepper::step(const torch::Tensor& lr, bool count_on_host) {
    (void)count_on_host;  // read by the fused path only
    if (!fused_) {
        if (lr.defined()) fail("AdamWStepper: a tensor learning rate needs the fused CUDA kernel");
        optimizer_.step();
        return;
    }
#if ADIT_FUSED_ADAMW
    torch::NoGradGuard g;
    auto& group = optimizer_.param_groups().at(0);
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    std::vector<torch::Tensor> ps, gs, m, v, steps;
    auto& state = optimizer_.state();
    for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        auto it = state.find(p.unsafeGetTensorImpl());
        if (it == state.end()) {
            auto s = std::make_unique<torch::optim::AdamWParamState>();
            s->step(0);
            s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
            s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
            it = state.emplace(p.unsafeGetTensorImpl(), std::move(s)).first;
        }
        auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
        auto st = steps_.find(p.unsafeGetTensorImpl());
        if (st == steps_.end())
            st = steps_.emplace(p.unsafeGetTensorImpl(),
                                torch::full({}, double(s.step()), p.options().dtype(torch::kFloat32))).first;
        if (count_on_host) s.step(s.step() + 1);  // the kernel increments the device copy; this one is for checkpoints
        ps.push_back(p);
        gs.push_back(p.grad());
        m.push_back(s.exp_avg());
        v.push_back(s.exp_avg_sq());
        steps.push_back(st->second);
    }
    if (ps.empty()) return;
    // The kernel reads the step count for the bias corrections; like PyTorch's own fused
    // path, the counts are incremented first (a zero count would divide by 1 - beta^0 = 0).
    torch::_foreach_add_(steps, 1);
    const auto betas = o.betas();
    if (lr.defined()) {
#if ADIT_FUSED_ADAMW_TENSOR_LR
        at::_fused_adamw_(ps, gs, m, v, {}, steps, lr, std::get<0>(betas), std::get<1>(betas), o.weight_decay(), o.eps(),
                          o.amsgrad(), /*maximize=*/false);
#else
        fail("AdamWStepper: a tensor learning rate needs LibTorch >= 2.3");
#endif
    } else {
        at::_fused_adamw_(ps, gs, m, v, {}, steps, o.lr(), std::get<0>(betas), std::get<1>(betas), o.weight_decay(),
                          o.eps(), o.amsgrad(), /*maximize=*/false);
    }
#endif
}

}  // namespace adit::train
