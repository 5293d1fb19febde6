// Replaying fixed-shape GPU work as a CUDA graph. Work such as one sampler step launches a few
// hundred small kernels; issued one by one from the host they leave the GPU idle between them,
// while a captured graph issues them all at once. Only builds with a CUDA LibTorch capture;
// elsewhere cuda_graphs_available() is false and callers run the work eagerly.
#pragma once

#include <functional>
#include <memory>
#include <utility>

namespace adit::nn {

// True when this build links a CUDA LibTorch and a GPU is visible.
bool cuda_graphs_available();

// A memory pool several graphs can share (LibTorch's MempoolId_t): their temporaries then take
// the memory of one, not of all. Safe for graphs replayed one after another whose outputs are
// read before the next replay. {0, 0}: each graph gets its own pool.
using GraphPool = std::pair<unsigned long long, unsigned long long>;
GraphPool new_graph_pool();

class CudaGraph {
public:
    // Runs `work` `warmup` times eagerly on a side stream (handles, workspaces and allocator pools
    // settle there), then captures one more call. The warm-up runs really happen: callers restore
    // any state `work` changes. Tensors `work` reads or writes must keep their storage while the
    // graph lives; tensors it allocates live in the graph's private pool. Throws without CUDA.
    explicit CudaGraph(const std::function<void()>& work, int warmup = 2, GraphPool pool = {0, 0});
    ~CudaGraph();
    CudaGraph(const CudaGraph&) = delete;
    CudaGraph& operator=(const CudaGraph&) = delete;

    // Launches the captured kernels on the current CUDA stream.
    void replay();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace adit::nn
