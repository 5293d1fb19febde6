// A minimal parallel-for for the evaluators: `threads` workers (0 = hardware concurrency) take
// indices from a shared counter. Exceptions inside `body` are the caller's job (the evaluators
// catch per structure, so one bad structure never aborts a run).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace adit::metrics {

inline int resolve_threads(int threads) {
    if (threads > 0) return threads;
    unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

template <typename Body>
void parallel_for(std::size_t n, int threads, Body&& body) {
    const int workers = std::max(1, std::min<int>(resolve_threads(threads), static_cast<int>(std::max<std::size_t>(n, 1))));
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i = next++; i < n; i = next++) body(i);
    };
    if (workers == 1) {
        work();
        return;
    }
    std::vector<std::thread> pool;
    for (int t = 0; t < workers; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
}

}  // namespace adit::metrics
