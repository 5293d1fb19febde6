// Data-parallel training on LibTorch's own distributed engine (c10d): one process per device,
// Gloo on CPU, NCCL on CUDA, `env://` rendezvous as torchrun sets it up.
//
// The design (docs/models.md, "Data-parallel training"):
// - ProcessGroup: a TCPStore at MASTER_ADDR:MASTER_PORT (hosted by rank 0, or by torchrun's
//   agent) and a c10d Gloo or NCCL process group over RANK / WORLD_SIZE / LOCAL_RANK.
// - DataParallel: what a training loop needs, for any model (VAE, DiT, conformer, MoleBLEND).
//   * The global batch of a step is cut into `shards` fixed shards (train.shards); each shard is
//     a unit of work with its own random stream, seeded from (seed, step, shard). Rank r runs
//     the shards [r*K/W, (r+1)*K/W). The step's loss and gradient are the sum over shards of
//     (shard size / batch size) x shard loss, so a run gives the same losses and weights
//     whatever the number of processes W dividing K (one process accumulates all K shards).
//   * Gradients are all-reduced in flat buckets (~bucket_mb each, in reverse parameter order),
//     each launched from a gradient hook as soon as its last gradient of the step's final
//     backward pass arrives, so communication overlaps the rest of the backward pass. Buckets
//     start strictly in index order on every rank (c10d needs the same order everywhere);
//     parameters that got no gradient on a rank contribute zeros, and a parameter that got
//     none on any rank keeps an undefined gradient, exactly as in a single process.
//   * Rank 0's parameters and buffers are broadcast at the start: identical initial weights.
//   * The step loss and a stop request (Ctrl-C on any rank) ride one all-reduce per step, so
//     every rank sees the same loss (NaN guard) and stops at the same step.
// Without a process group (plain runs) the same code runs the K shards in one process.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace adit::train {

// The torchrun environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
struct ProcessEnvironment {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    bool agent_store = false;  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent hosts the store
};
// Reads the variables; throws adit::Error naming the one that is missing or malformed.
ProcessEnvironment process_environment_from_env();

struct DistributedOptions {
    std::string backend = "auto";          // "gloo" | "nccl" | "auto" (nccl on CUDA, gloo on CPU)
    double bucket_mb = 25.0;               // gradient bucket size, MiB
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // rendezvous and collectives
};

// Which backends this build of adit can use ("gloo", "nccl"): decided at configure time from
// what the LibTorch it was built against provides.
std::vector<std::string> available_backends();

// A c10d process group (Gloo or NCCL). The c10d types stay in distributed.cpp.
class ProcessGroup {
public:
    // Rendezvous through the env:// variables. `device`: where this rank computes (NCCL needs
    // CUDA and uses cuda:LOCAL_RANK). Blocks until all WORLD_SIZE processes have joined.
    static std::shared_ptr<ProcessGroup> from_environment(const DistributedOptions& options, torch::Device device);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    int rank() const;
    int world_size() const;
    int local_rank() const;
    const std::string& backend() const;
    torch::Device device() const;  // this rank's compute device (cuda:LOCAL_RANK under NCCL)
    const DistributedOptions& options() const;

    // Blocking collectives (in place). Tensors may live on any device: they are staged to the
    // backend's device when needed.
    void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
    void all_reduce_sum(std::vector<torch::Tensor>& tensors);
    void barrier();

    struct Impl;
    Impl& impl() { return *impl_; }

private:
    explicit ProcessGroup(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// One training step's result, identical on every rank. Tensors, not numbers, so that the
// trainer reads them in its one host synchronisation of the step (after queueing the optimiser).
struct ParallelStep {
    torch::Tensor loss;  // float64 scalar: sum over all shards of weight x shard loss
    torch::Tensor stop;  // with a group: float64 scalar, > 0 if some rank asked to stop; else undefined
};

// Which structures [begin, end) of the global batch a shard covers, and its weight in the step.
struct ShardSpan {
    std::int64_t index = 0;
    std::size_t begin = 0, end = 0;
    double weight = 0;  // (end - begin) / batch size
};
// The K shards of a global batch of `n` structures (sizes differ by at most one; empty when n < K).
std::vector<ShardSpan> shard_spans(std::size_t n, std::int64_t shards);
// The seed of shard `shard` of step `step` (splitmix64 of the three).
std::uint64_t shard_seed(std::uint64_t seed, std::int64_t step, std::int64_t shard);

class DataParallel {
public:
    // `group` may be null (one process). `shards` <= 0 means: one per process. Broadcasts the
    // module's parameters and buffers from rank 0 and installs the gradient hooks on `params`
    // (the trainable ones, in the optimiser's order).
    DataParallel(std::shared_ptr<ProcessGroup> group, torch::nn::Module& module, std::vector<torch::Tensor> params,
                 std::uint64_t seed, std::int64_t shards);
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    bool is_main() const { return rank() == 0; }
    int rank() const;
    int world_size() const;
    std::int64_t shards() const { return shards_; }

    // Runs this rank's shards of step `step`'s global batch of `batch_size` structures:
    // reseeds torch's generators per shard, calls shard_loss(begin, end) for the scalar loss
    // of structures [begin, end), back-propagates weight x loss (accumulating into .grad), and
    // all-reduces the gradients (overlapped with the last backward pass). The caller zeroes the
    // gradients before and steps the optimiser after. `stop` is this rank's stop request.
    ParallelStep step(std::int64_t step, std::size_t batch_size,
                      const std::function<torch::Tensor(std::size_t begin, std::size_t end)>& shard_loss, bool stop);

    // Blocks until every rank arrives (no-op without a group).
    void barrier();

    class Reducer;

private:
    std::shared_ptr<ProcessGroup> group_;
    std::uint64_t seed_;
    std::int64_t shards_;
    std::unique_ptr<Reducer> reducer_;
};

}  // namespace adit::train
