// Tests for src/adit/nn/device.cpp: device strings, the CUDA-unavailable error, autocast as a
// no-op off CUDA, CPU checkpoints of a module, generator states.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <sstream>

#include "adit/core/error.hpp"
#include "adit/nn/device.hpp"
#include "adit/nn/transformer.hpp"

using namespace adit::nn;

TEST_CASE("device strings: cpu, cuda, cuda:N; nonsense and missing CUDA are clear errors", "[nn][device]") {
    CHECK(parse_device("cpu") == torch::Device(torch::kCPU));
    CHECK_THROWS_WITH(parse_device("gpu"), Catch::Contains("cpu, cuda or cuda:N"));
    CHECK_THROWS_WITH(parse_device("cuda:x"), Catch::Contains("cpu, cuda or cuda:N"));
    CHECK_THROWS_WITH(parse_device("cuda:"), Catch::Contains("cpu, cuda or cuda:N"));
    if (!torch::cuda::is_available()) {
        CHECK_THROWS_WITH(parse_device("cuda"), Catch::Contains("CUDA is not available"));
        CHECK_THROWS_WITH(parse_device("cuda:1"), Catch::Contains("CUDA is not available"));
    } else {
        CHECK(parse_device("cuda").is_cuda());
        CHECK_THROWS_WITH(parse_device("cuda:99"), Catch::Contains("visible"));
    }
    CHECK(parse_precision("bf16") == Precision::bf16);
    CHECK(parse_precision("fp32") == Precision::fp32);
    CHECK_THROWS_WITH(parse_precision("fp16"), Catch::Contains("\"fp32\" or \"bf16\""));
}

TEST_CASE("bf16 autocast leaves CPU computations in fp32", "[nn][device]") {
    torch::manual_seed(1);
    torch::nn::Linear lin(8, 8);
    auto x = torch::randn({4, 8});
    AutocastGuard guard(torch::Device(torch::kCPU), Precision::bf16);
    CHECK_FALSE(guard.active());
    CHECK(lin->forward(x).scalar_type() == torch::kFloat32);
}

TEST_CASE("a module saved through save_module_cpu loads into a fresh one with identical outputs", "[nn][device]") {
    torch::manual_seed(3);
    TransformerOptions o{16, 2, 2, 32, "masa", 1, 0};
    Transformer a(o), b(o);
    auto dev = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    a->to(dev);
    torch::serialize::OutputArchive out;
    save_module_cpu(*a, out);
    std::ostringstream bytes;
    out.save_to(bytes);
    std::istringstream in_bytes(bytes.str());
    torch::serialize::InputArchive in;
    in.load_from(in_bytes, torch::Device(torch::kCPU));  // readable without a GPU
    b->load(in);
    for (const auto& p : b->parameters()) CHECK(p.device().is_cpu());
    auto x = torch::randn({2, 5, 16});
    auto mask = torch::ones({2, 5}, torch::kBool);
    CHECK(torch::allclose(a->forward(x.to(dev), mask.to(dev), {}).to(torch::kCPU), b->forward(x, mask, {}), 1e-4, 1e-5));
}

TEST_CASE("generator states restore the random stream", "[nn][device]") {
    torch::manual_seed(11);
    const auto dev = torch::Device(torch::kCPU);
    auto states = generator_states(dev);
    auto first = torch::randn({5});
    set_generator_states(dev, states);
    CHECK(torch::equal(first, torch::randn({5})));
}
