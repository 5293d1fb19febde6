#include "kineto_trace.hpp"

#include <stdexcept>

#ifdef ADIT_BENCH_TRACE
#include <torch/csrc/autograd/profiler_kineto.h>

#include <set>
#endif

namespace adit::bench {

#ifdef ADIT_BENCH_TRACE

namespace {
const torch::profiler::impl::ProfilerConfig& trace_config() {
    static const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO);
    return config;
}
const std::set<torch::profiler::impl::ActivityType>& trace_activities() {
    static const std::set<torch::profiler::impl::ActivityType> activities{torch::profiler::impl::ActivityType::CPU,
                                                                          torch::profiler::impl::ActivityType::CUDA};
    return activities;
}
}  // namespace

void require_trace() {}

void trace_start() {
    torch::autograd::profiler::prepareProfiler(trace_config(), trace_activities());
    torch::autograd::profiler::enableProfiler(trace_config(), trace_activities());
}

void trace_stop(const std::string& path) {
    auto result = torch::autograd::profiler::disableProfiler();
    result->save(path);
}

#else

void require_trace() { throw std::runtime_error("--trace needs a build configured with -DADIT_BENCH_TRACE=ON"); }
void trace_start() { require_trace(); }
void trace_stop(const std::string&) { require_trace(); }

#endif

}  // namespace adit::bench
