// Where the models run and in what precision: device parsing ("cpu", "cuda", "cuda:N") with a
// clear error when CUDA is asked for but absent, bf16 autocast on CUDA (LibTorch 1.13 and 2.x
// APIs), checkpoints written with CPU tensors whatever the device, and the random generator
// states a resumed run needs (CPU and, on CUDA, the device's own generator).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace adit::nn {

// "cpu", "cuda" (= cuda:0) or "cuda:N". Throws adit::Error on anything else, when this build or
// machine has no CUDA, or when N is not a visible device.
torch::Device parse_device(const std::string& spec);

enum class Precision { fp32, bf16 };
// "fp32" | "bf16" (also "float32", "bfloat16").
Precision parse_precision(const std::string& name);
std::string to_string(Precision p);

// Enables bf16 autocast for the current thread while alive when `device` is CUDA and `precision`
// is bf16; does nothing otherwise (the CPU always computes in fp32). Nestable.
class AutocastGuard {
public:
    AutocastGuard(const torch::Device& device, Precision precision);
    ~AutocastGuard();
    AutocastGuard(const AutocastGuard&) = delete;
    AutocastGuard& operator=(const AutocastGuard&) = delete;
    bool active() const { return active_; }

private:
    bool active_ = false;
    bool previous_ = false;
};

// Module::save with every parameter and buffer copied to the CPU first (same archive layout), so
// a checkpoint written on a GPU loads on a machine without one.
void save_module_cpu(const torch::nn::Module& module, torch::serialize::OutputArchive& archive);

// Module::load that also reads half-precision release files (adit export): every stored tensor is
// copied into the module's own parameter or buffer, so each keeps its dtype (fp32) and device.
// A missing tensor or a shape mismatch is an adit::Error naming `what` (the file) and the key.
// Top-level children named in `absent` are not read (a file that left them out on purpose:
// a sampling-only release's VAE has no encoder); they keep their initial weights.
void load_module(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& what,
                 const std::vector<std::string>& absent = {});

// States of the default generators that a run on `device` draws from: [CPU] or [CPU, CUDA:N].
std::vector<torch::Tensor> generator_states(const torch::Device& device);
// Restores what generator_states returned (a missing CUDA state leaves that generator alone).
void set_generator_states(const torch::Device& device, const std::vector<torch::Tensor>& states);

}  // namespace adit::nn
