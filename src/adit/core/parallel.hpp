// A parallel for over independent indices: `threads` workers (0 = one per core) take indices from
// a shared counter. Used by the evaluators, the conformer and match commands and the CPU sampler.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace adit {

inline int resolve_threads(int threads) {
    if (threads > 0) return threads;
    unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

// Runs body(i) for i in [0, n). With one worker (or one index) everything runs on the calling
// thread; otherwise each new worker thread first calls on_worker_start() (e.g. to set its own
// kernel thread count). The first exception thrown by body stops the other workers after their
// current index and is rethrown once all have stopped (callers that must not abort on one bad
// record catch inside body).
template <typename Body, typename WorkerStart>
void parallel_for(std::size_t n, int threads, Body&& body, WorkerStart&& on_worker_start) {
    const int workers = static_cast<int>(std::min<std::size_t>(resolve_threads(threads), std::max<std::size_t>(n, 1)));
    if (workers == 1) {
        for (std::size_t i = 0; i < n; ++i) body(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        on_worker_start();
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                body(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
                next = n;
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < workers; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

template <typename Body>
void parallel_for(std::size_t n, int threads, Body&& body) {
    parallel_for(n, threads, std::forward<Body>(body), [] {});
}

}  // namespace adit
