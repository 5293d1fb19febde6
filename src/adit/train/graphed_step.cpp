#include "adit/train/graphed_step.hpp"

#include "adit/core/error.hpp"

namespace adit::train {

struct GraphedSteps::Shape {
    data::Batch input;                  // the graph reads its batch here
    std::unique_ptr<nn::CudaGraph> graph;
    torch::Tensor loss, norm;           // written by every replay
    Result first;                       // the eager step that preceded the capture
};

GraphedSteps::GraphedSteps(Parts parts) : parts_(std::move(parts)) {
    if (!parts_.device.is_cuda() || !nn::cuda_graphs_available())
        fail("train.cuda_graph needs a CUDA build of adit and --device cuda");
    if (!ADIT_FUSED_ADAMW_TENSOR_LR || !parts_.stepper || !parts_.stepper->fused())
        fail("train.cuda_graph needs LibTorch >= 2.3 (the fused AdamW kernel with a tensor learning rate)");
    if (!parts_.ema) fail("GraphedSteps: no EMA given");
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(parts_.device);
    lr_ = torch::zeros({}, f32);
    decay_ = torch::zeros({}, f32);
    pool_ = nn::new_graph_pool();
}

GraphedSteps::~GraphedSteps() = default;

// The step's work. `real`: the eager call that trains (counts the optimiser's steps on the host);
// otherwise the capture, which only records.
void GraphedSteps::run_step(Shape& shape, bool real) {
    // Gradients set to none: the capture's backward allocates them in the graph's pool, where
    // every replay writes them again (no zeroing kernels).
    for (auto& p : parts_.params) p.mutable_grad() = torch::Tensor();
    torch::Tensor loss;
    {
        nn::AutocastGuard autocast(parts_.device, parts_.precision);  // forward under autocast, backward outside
        loss = parts_.loss(shape.input).to(torch::kFloat32);
    }
    loss.backward();
    torch::Tensor norm;
    if (parts_.grad_clip > 0) norm = clip_gradients(parts_.params, parts_.grad_clip);
    parts_.stepper->step(lr_, /*count_on_host=*/real);
    parts_.ema->update(decay_);
    if (real) {
        shape.first = {loss.detach().clone(), norm.defined() ? norm.clone() : norm};
    } else {
        shape.loss = loss.detach();
        shape.norm = norm;
    }
}

GraphedSteps::Result GraphedSteps::step(const data::Batch& batch, double lr, double ema_decay) {
    lr_.fill_(lr);
    decay_.fill_(ema_decay);
    const std::pair<std::int64_t, std::int64_t> key{batch.size(), batch.atomic_numbers.size(1)};
    auto it = shapes_.find(key);
    if (it == shapes_.end()) {
        auto shape = std::make_unique<Shape>();
        shape->input = batch;
        for (auto* t : shape->input.tensors()) *t = t->clone();  // the graph's own input buffers
        int calls = 0;
        Shape& s = *shape;
        shape->graph = std::make_unique<nn::CudaGraph>([&] { run_step(s, calls++ == 0); }, /*warmup=*/1, pool_);
        Result first = shape->first;
        shapes_.emplace(key, std::move(shape));
        return first;
    }
    Shape& s = *it->second;
    torch::NoGradGuard g;
    const auto into = s.input.tensors();
    const auto from = batch.tensors();
    for (std::size_t k = 0; k < into.size(); ++k) into[k]->copy_(*from[k], /*non_blocking=*/true);
    s.graph->replay();
    parts_.stepper->count_host_step();
    return {s.loss, s.norm};
}

}  // namespace adit::train
