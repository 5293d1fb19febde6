// CUDA graph capture and replay (see cuda_graph.hpp). ADIT_WITH_CUDA is defined by CMake for
// this file when LibTorch has CUDA.
#include "adit/nn/cuda_graph.hpp"

#include <torch/torch.h>

#include "adit/core/error.hpp"

#ifdef ADIT_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <map>
#include <mutex>
#endif

namespace adit::nn {

#ifdef ADIT_WITH_CUDA

bool cuda_graphs_available() { return torch::cuda::is_available(); }

GraphPool new_graph_pool() {
    const auto id = at::cuda::graph_pool_handle();
    return {id.first, id.second};
}

struct CudaGraph::State {
    at::cuda::CUDAGraph graph;
};

namespace {

// The side stream of every warm-up and capture on a device, always the same one: the caching
// allocator keeps freed blocks per stream, so warm-ups spread over the pool's 32 streams would
// each keep their own step's worth of memory (a bucketed training run captures one graph per
// batch shape, ~27 of them: session 8 saw ~28 GB held per job).
c10::cuda::CUDAStream capture_stream() {
    static std::mutex mutex;
    static std::map<c10::DeviceIndex, c10::cuda::CUDAStream> streams;
    const auto device = c10::cuda::current_device();
    std::lock_guard<std::mutex> lock(mutex);
    auto it = streams.find(device);
    if (it == streams.end()) it = streams.emplace(device, c10::cuda::getStreamFromPool(false, device)).first;
    return it->second;
}

}  // namespace

CudaGraph::CudaGraph(const std::function<void()>& work, int warmup, GraphPool pool) : state_(std::make_unique<State>()) {
    if (!cuda_graphs_available()) fail("CUDA graphs need a GPU");
    // Capture must not run on the legacy default stream: a side stream that first waits for the
    // work already queued on the current one.
    auto current = c10::cuda::getCurrentCUDAStream();
    auto side = capture_stream();
    at::cuda::CUDAEvent queued;
    queued.record(current);
    queued.block(side);
    {
        c10::cuda::CUDAStreamGuard guard(side);
        for (int i = 0; i < warmup; ++i) work();
        state_->graph.capture_begin({pool.first, pool.second});
        work();
        state_->graph.capture_end();
    }
    at::cuda::CUDAEvent done;
    done.record(side);
    done.block(current);
}

void CudaGraph::replay() { state_->graph.replay(); }

#else

bool cuda_graphs_available() { return false; }

GraphPool new_graph_pool() { return {0, 0}; }

struct CudaGraph::State {};

CudaGraph::CudaGraph(const std::function<void()>&, int, GraphPool) { fail("this build of adit has no CUDA: no CUDA graphs"); }

void CudaGraph::replay() {}

#endif

CudaGraph::~CudaGraph() = default;

}  // namespace adit::nn
