// A Kineto trace (CPU ops and CUDA kernels with their times, Chrome trace JSON) of a window of
// bench_gpu's work, to see where a step's GPU time goes: `bench_gpu ... --trace DIR`, then
// `python3 eval/bench/trace_summary.py DIR/*.json`. Only in builds configured with
// -DADIT_BENCH_TRACE=ON (LibTorch 2.x with Kineto, the GPU machine); elsewhere every call fails
// with that reason.
#pragma once

#include <string>

namespace adit::bench {

void require_trace();  // throws the reason when this build cannot trace
void trace_start();
void trace_stop(const std::string& path);  // writes the trace collected since trace_start()

}  // namespace adit::bench
