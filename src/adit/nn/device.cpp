// Devices, autocast, CPU checkpoints and generator states (see device.hpp).
#include "adit/nn/device.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <algorithm>
#include <mutex>

#include "adit/core/error.hpp"

// LibTorch 2.4 made the autocast switches per device type; 1.13 to 2.3 have CUDA-only setters.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define ADIT_AUTOCAST_DEVICE_API 1
#else
#define ADIT_AUTOCAST_DEVICE_API 0
#endif

namespace adit::nn {

torch::Device parse_device(const std::string& spec) {
    if (spec == "cpu") return torch::Device(torch::kCPU);
    if (spec.rfind("cuda", 0) != 0) fail("device must be cpu, cuda or cuda:N, not \"{}\"", spec);
    long index = 0;
    if (spec.size() > 4) {
        if (spec[4] != ':' || spec.size() == 5 || spec.find_first_not_of("0123456789", 5) != std::string::npos)
            fail("device must be cpu, cuda or cuda:N, not \"{}\"", spec);
        index = std::stol(spec.substr(5));
    }
    if (!torch::cuda::is_available())
        fail("device \"{}\": CUDA is not available (this build or machine has no usable GPU); use --device cpu", spec);
    const long count = long(torch::cuda::device_count());
    if (index >= count) fail("device \"{}\": only {} CUDA device(s) visible", spec, count);
    return torch::Device(torch::kCUDA, torch::DeviceIndex(index));
}

Precision parse_precision(const std::string& name) {
    if (name == "fp32" || name == "float32") return Precision::fp32;
    if (name == "bf16" || name == "bfloat16") return Precision::bf16;
    fail("precision must be \"fp32\" or \"bf16\", not \"{}\"", name);
}

std::string to_string(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

AutocastGuard::AutocastGuard(const torch::Device& device, Precision precision) {
    if (!device.is_cuda() || precision != Precision::bf16) return;
    active_ = true;
#if ADIT_AUTOCAST_DEVICE_API
    previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
    previous_ = at::autocast::is_enabled();
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
    at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
    if (!active_) return;
    // The cast weights are cached while autocast is on; drop them when the outermost region ends.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if ADIT_AUTOCAST_DEVICE_API
    at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
    at::autocast::set_enabled(previous_);
#endif
}

void save_module_cpu(const torch::nn::Module& module, torch::serialize::OutputArchive& archive) {
    for (const auto& p : module.named_parameters(/*recurse=*/false)) archive.write(p.key(), p.value().to(torch::kCPU));
    for (const auto& b : module.named_buffers(/*recurse=*/false))
        archive.write(b.key(), b.value().to(torch::kCPU), /*is_buffer=*/true);
    for (const auto& child : module.named_children()) {
        if (!child.value()->is_serializable()) continue;
        torch::serialize::OutputArchive sub(archive.compilation_unit());
        save_module_cpu(*child.value(), sub);
        archive.write(child.key(), sub);
    }
}

namespace {
void load_module_at(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& what,
                    const std::string& prefix, const std::vector<std::string>& absent_children = {}) {
    torch::NoGradGuard no_grad;
    auto copy = [&](const std::string& key, torch::Tensor& target, bool is_buffer) {
        torch::Tensor stored;
        if (!archive.try_read(key, stored, is_buffer)) fail("{}: model weights lack \"{}{}\"", what, prefix, key);
        if (stored.sizes() != target.sizes())
            fail("{}: \"{}{}\" has shape {} in the file, the model expects {}", what, prefix, key,
                 fmt::format("{}", fmt::join(stored.sizes(), "x")), fmt::format("{}", fmt::join(target.sizes(), "x")));
        target.copy_(stored);  // casts fp16/bf16 release weights back to the module's dtype
    };
    for (auto& p : module.named_parameters(/*recurse=*/false)) copy(p.key(), p.value(), false);
    for (auto& b : module.named_buffers(/*recurse=*/false)) copy(b.key(), b.value(), true);
    for (auto& child : module.named_children()) {
        if (!child.value()->is_serializable()) continue;
        if (std::find(absent_children.begin(), absent_children.end(), child.key()) != absent_children.end()) continue;
        torch::serialize::InputArchive sub;
        if (!archive.try_read(child.key(), sub)) fail("{}: model weights lack \"{}{}\"", what, prefix, child.key());
        load_module_at(*child.value(), sub, what, prefix + child.key() + ".");
    }
}
}  // namespace

void load_module(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& what,
                 const std::vector<std::string>& absent) {
    load_module_at(module, archive, what, "", absent);
}

std::vector<torch::Tensor> generator_states(const torch::Device& device) {
    std::vector<torch::Tensor> out;
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        out.push_back(gen.get_state());
    }
    if (device.is_cuda()) {
        auto gen = at::globalContext().defaultGenerator(device);
        std::lock_guard<std::mutex> lock(gen.mutex());
        out.push_back(gen.get_state());
    }
    return out;
}

void set_generator_states(const torch::Device& device, const std::vector<torch::Tensor>& states) {
    if (!states.empty()) {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(states[0].to(torch::kCPU));
    }
    if (device.is_cuda() && states.size() > 1) {
        auto gen = at::globalContext().defaultGenerator(device);
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(states[1].to(torch::kCPU));
    }
}

}  // namespace adit::nn
