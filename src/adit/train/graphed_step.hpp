// A whole training step replayed as a CUDA graph (train.cuda_graph). At these model sizes a step
// is ~1,000 small kernels and the GPU waits on the host issuing them (docs/BENCHMARKS.md, GPU);
// a captured step issues them at once. The first batch of each shape (batch size, padded atom
// count) runs eagerly on a side stream and is then captured; every later batch of that shape is
// copied into the graph's input buffers and replayed. The learning rate and the EMA decay are
// device tensors the graph reads, so schedules need no new capture. One process on one GPU.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "adit/data/batch.hpp"
#include "adit/nn/cuda_graph.hpp"
#include "adit/nn/device.hpp"
#include "adit/train/ema.hpp"
#include "adit/train/optimizer_step.hpp"

namespace adit::train {

class GraphedSteps {
public:
    struct Parts {
        std::function<torch::Tensor(const data::Batch&)> loss;  // the batch's scalar loss (forward)
        std::vector<torch::Tensor> params;                       // the trained parameters
        AdamWStepper* stepper = nullptr;                         // fused, tensor learning rate
        EMA* ema = nullptr;
        double grad_clip = 0;                                    // 0: no clipping
        torch::Device device = torch::kCUDA;
        nn::Precision precision = nn::Precision::fp32;
    };
    // Fails unless this build and machine can capture (CUDA LibTorch >= 2.3, a GPU).
    explicit GraphedSteps(Parts parts);
    ~GraphedSteps();
    GraphedSteps(const GraphedSteps&) = delete;
    GraphedSteps& operator=(const GraphedSteps&) = delete;

    struct Result {
        torch::Tensor loss;  // fp32 scalar on the device; valid until the next step
        torch::Tensor norm;  // the gradient norm before clipping (undefined without clipping)
    };
    // One optimisation step on `batch` (on the device) with this step's learning rate and EMA decay.
    Result step(const data::Batch& batch, double lr, double ema_decay);

private:
    struct Shape;
    void run_step(Shape& shape, bool real);

    Parts parts_;
    torch::Tensor lr_, decay_;
    nn::GraphPool pool_;
    std::map<std::pair<std::int64_t, std::int64_t>, std::unique_ptr<Shape>> shapes_;
};

}  // namespace adit::train
