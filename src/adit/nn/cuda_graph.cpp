// CUDA graph capture and replay (see cuda_graph.hpp). ADIT_WITH_CUDA is defined by CMake for
// this file when LibTorch has CUDA.
#include "adit/nn/cuda_graph.hpp"

#include <torch/torch.h>

#include "adit/core/error.hpp"

#ifdef ADIT_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
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

CudaGraph::CudaGraph(const std::function<void()>& work, int warmup, GraphPool pool) : state_(std::make_unique<State>()) {
    if (!cuda_graphs_available()) fail("CUDA graphs need a GPU");
    // Capture must not run on the legacy default stream: a side stream that first waits for the
    // work already queued on the current one.
    auto current = c10::cuda::getCurrentCUDAStream();
    auto side = c10::cuda::getStreamFromPool();
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
