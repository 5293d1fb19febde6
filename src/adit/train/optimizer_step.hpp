// The optimiser side of a training step, shared by the eager loop and the CUDA-graph step
// (graphed_step.hpp): AdamW through LibTorch's fused kernel on CUDA, global-norm gradient
// clipping without a host round trip, and moving AdamW's moments between devices.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#include <map>
#include <vector>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define ADIT_FUSED_ADAMW 1
#else
#define ADIT_FUSED_ADAMW 0
#endif
// The fused kernel's tensor learning-rate form (read on the device: a captured step follows a
// schedule without being captured again).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define ADIT_FUSED_ADAMW_TENSOR_LR 1
#else
#define ADIT_FUSED_ADAMW_TENSOR_LR 0
#endif

namespace adit::train {

// AdamW's moments live on the parameters' device; checkpoints hold them on the CPU.
void move_optimizer_state(torch::optim::AdamW& optimizer, const torch::Device& device);

// optimizer.save with the moments written as CPU tensors; the device tensors themselves are put
// back afterwards (same storage: a captured CUDA graph keeps updating the tensors it recorded).
void save_optimizer_cpu(torch::optim::AdamW& optimizer, torch::serialize::OutputArchive& archive);

// Global-norm gradient clipping without a host round trip: returns the norm as a tensor.
torch::Tensor clip_gradients(const std::vector<torch::Tensor>& params, double max_norm);

// AdamW on CUDA through LibTorch's fused multi-tensor kernel (one launch for all parameters),
// keeping torch::optim::AdamW's own state objects so that save/load and the CPU path are shared.
// Elsewhere (CPU, LibTorch < 2.1) it is torch::optim::AdamW::step.
class AdamWStepper {
public:
    AdamWStepper(torch::optim::AdamW& optimizer, const torch::Device& device);
    bool fused() const { return fused_; }
    void reset() { steps_.clear(); }  // after optimizer.load
    // One update. `lr` (fused path with the tensor form only): a one-element device tensor read by
    // the kernel instead of the group's lr. `count_on_host` = false leaves the checkpoint's step
    // counts alone (a CUDA graph capture records the update without doing it; count_host_step()
    // then follows each replay).
    void step(const torch::Tensor& lr = {}, bool count_on_host = true);
    void count_host_step();

private:
    torch::optim::AdamW& optimizer_;
    bool fused_ = false;
    std::map<void*, torch::Tensor> steps_;  // the kernel's device step counts
};

}  // namespace adit::train
