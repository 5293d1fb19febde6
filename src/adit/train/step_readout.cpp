#include "adit/train/step_readout.hpp"

#include <cmath>
#include <vector>

#include "adit/core/error.hpp"

namespace adit::train {

StepReadout read_step(const torch::Tensor& loss, const torch::Tensor& norm, const torch::Tensor& stop, std::int64_t step,
                      const std::string& last_checkpoint) {
    std::vector<torch::Tensor> read{loss.detach().to(torch::kFloat64).view({1})};
    if (stop.defined()) read.push_back(stop.to(read[0].device(), torch::kFloat64).view({1}));
    if (norm.defined()) read.push_back(norm.to(read[0].device(), torch::kFloat64).view({1}));
    const auto host = torch::cat(read).to(torch::kCPU);
    StepReadout r;
    r.loss = host[0].item<double>();
    r.stop = stop.defined() && host[1].item<double>() > 0;
    if (!std::isfinite(r.loss))
        fail("non-finite training loss ({}) at step {}; the last checkpoint ({}) is intact", r.loss, step + 1,
             last_checkpoint.empty() ? "none written yet" : last_checkpoint);
    if (norm.defined() && !std::isfinite(host[host.size(0) - 1].item<double>()))
        fail("non-finite gradient norm at step {}", step + 1);
    return r;
}

}  // namespace adit::train
