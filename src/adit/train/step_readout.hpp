// The one host synchronisation of a training step, shared by the training loops: the loss, the
// gradient norm (when clipping) and, in a distributed run, the agreed stop request, copied to the
// host together once the step is queued, and the NaN guard on them.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace adit::train {

struct StepReadout {
    double loss = 0;
    bool stop = false;  // the agreed stop request (false when `stop` was not given)
};

// `norm` and `stop` may be undefined. A non-finite loss or norm fails, naming step `step` + 1 and
// the last checkpoint written (`last_checkpoint`, empty: none yet), which the failure leaves intact.
StepReadout read_step(const torch::Tensor& loss, const torch::Tensor& norm, const torch::Tensor& stop, std::int64_t step,
                      const std::string& last_checkpoint);

}  // namespace adit::train
