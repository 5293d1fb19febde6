// Tests for src/adit/train/distributed.cpp without a process group: the shard plan and the
// single-process path of DataParallel (the multi-process path runs in tests/cli/test_distributed.cpp
// with two Gloo processes).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <set>

#include "adit/train/distributed.hpp"

using namespace adit::train;

TEST_CASE("shard_spans cut a batch into contiguous near-equal shards weighted by size", "[train][distributed]") {
    for (std::size_t n : {1, 2, 7, 16, 33}) {
        for (std::int64_t k : {1, 2, 3, 4}) {
            const auto spans = shard_spans(n, k);
            REQUIRE(spans.size() == std::size_t(k));
            std::size_t at = 0, smallest = n, largest = 0;
            double weight = 0;
            for (const auto& s : spans) {
                REQUIRE(s.begin == at);
                at = s.end;
                smallest = std::min(smallest, s.end - s.begin);
                largest = std::max(largest, s.end - s.begin);
                REQUIRE(s.weight == Approx(double(s.end - s.begin) / double(n)));
                weight += s.weight;
            }
            REQUIRE(at == n);
            REQUIRE(largest - smallest <= 1);
            REQUIRE(weight == Approx(1.0));
        }
    }
    REQUIRE_THROWS(shard_spans(4, 0));
}

TEST_CASE("shard seeds differ across seed, step and shard", "[train][distributed]") {
    std::set<std::uint64_t> seen;
    for (std::uint64_t seed : {0, 1})
        for (std::int64_t step : {0, 1, 2})
            for (std::int64_t shard : {0, 1, 2}) seen.insert(shard_seed(seed, step, shard));
    REQUIRE(seen.size() == 18);
    REQUIRE(shard_seed(3, 4, 5) == shard_seed(3, 4, 5));
}

TEST_CASE("one process, K shards: the gradient of the size-weighted shard losses, shard by shard reseeded",
          "[train][distributed]") {
    torch::manual_seed(0);
    torch::nn::Linear net(3, 1);
    std::vector<torch::Tensor> params = net->parameters();
    const auto x = torch::randn({7, 3});
    const auto y = torch::randn({7, 1});
    DataParallel parallel(nullptr, *net, params, /*seed=*/11, /*shards=*/3);
    REQUIRE(parallel.world_size() == 1);
    REQUIRE(parallel.is_main());

    std::vector<torch::Tensor> noise;  // what each shard drew from the reseeded generator
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    const auto r = parallel.step(
        5, 7,
        [&](std::size_t b, std::size_t e) {
            noise.push_back(torch::rand({1}));
            auto xs = x.slice(0, long(b), long(e)), ys = y.slice(0, long(b), long(e));
            return (net->forward(xs) - ys).pow(2).mean();
        },
        false);
    REQUIRE(!r.stop.defined());

    // Reference: Σ_k (n_k / n) · mean_k of the squared error, by hand.
    const auto spans = shard_spans(7, 3);
    torch::Tensor expected_loss = torch::zeros({});
    for (const auto& s : spans)
        expected_loss = expected_loss + s.weight * (net->forward(x.slice(0, long(s.begin), long(s.end))) -
                                                    y.slice(0, long(s.begin), long(s.end))).pow(2).mean();
    REQUIRE(r.loss.item<double>() == Approx(expected_loss.item<double>()).epsilon(1e-6));
    const auto grads = torch::autograd::grad({expected_loss}, params);
    for (std::size_t i = 0; i < params.size(); ++i) REQUIRE(torch::allclose(params[i].grad(), grads[i], 1e-5, 1e-6));

    // Each shard's generator state is a function of (seed, step, shard) only.
    REQUIRE(noise.size() == 3);
    for (std::int64_t k = 0; k < 3; ++k) {
        torch::manual_seed(shard_seed(11, 5, k));
        REQUIRE(torch::equal(noise[std::size_t(k)], torch::rand({1})));
    }
    // shards <= 0: one per process; a batch smaller than K leaves shards empty, and they are skipped.
    DataParallel defaults(nullptr, *net, params, 0, 0);
    REQUIRE(defaults.shards() == 1);
    int calls = 0;
    DataParallel(nullptr, *net, params, 0, 4).step(0, 2, [&](std::size_t, std::size_t) {
        ++calls;
        return net->forward(x.slice(0, 0, 1)).sum();
    }, false);
    REQUIRE(calls == 2);
}
