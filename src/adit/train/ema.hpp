// Exponential moving average of a module's parameters, by name, shared by every trainer (VAE, DiT
// and MoleBLEND): the decay warms up as min(decay, (1+n)/(10+n)) so early steps are
// not dominated by the random initialisation.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace adit::train {

class EMA {
public:
    EMA(torch::nn::Module& module, double decay);
    void update(std::int64_t step);
    // The decay update(step) uses: min(decay, (1+step)/(10+step)).
    double decay_at(std::int64_t step) const;
    // The same update with the decay read from a one-element device tensor (a CUDA graph captures
    // it once and replays it with each step's decay; LibTorch >= 2.1).
    void update(const torch::Tensor& decay);
    // Shadows by parameter name; saved as CPU tensors, loaded in place (on the module's device).
    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive);
    // A copy of the shadows (e.g. the best validation step's weights).
    std::map<std::string, torch::Tensor> snapshot() const;
    // Runs `f` without gradients, with the EMA weights swapped into the module.
    void with_weights(const std::function<void()>& f);

private:
    torch::nn::Module& module_;
    double decay_;
    std::map<std::string, torch::Tensor> shadow_;
    std::vector<torch::Tensor> live_, shadows_;  // the same tensors, in one order, for the foreach ops
};

}  // namespace adit::train
