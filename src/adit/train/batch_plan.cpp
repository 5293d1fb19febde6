#include "adit/train/batch_plan.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace adit::train {

BatchPlan::BatchPlan(std::vector<std::int64_t> sizes, std::int64_t batch_size, std::uint64_t seed, bool bucket_by_size,
                     bool drop_last)
    : sizes_(std::move(sizes)), batch_size_(std::max<std::int64_t>(1, batch_size)), seed_(seed), bucket_(bucket_by_size) {
    const auto n = std::int64_t(sizes_.size());
    per_epoch_ = drop_last ? std::max<std::int64_t>(1, n / batch_size_) : (n + batch_size_ - 1) / batch_size_;
}

void BatchPlan::draw_epoch(std::int64_t epoch) {
    const auto n = std::int64_t(sizes_.size());
    order_.resize(std::size_t(n));
    for (std::int64_t i = 0; i < n; ++i) order_[std::size_t(i)] = i;
    std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ull + std::uint64_t(epoch));
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(order_[std::size_t(i)], order_[std::size_t(rng() % std::uint64_t(i + 1))]);
    epoch_ = epoch;
    window_ = -1;
}

std::vector<std::int64_t> BatchPlan::indices(std::int64_t step) {
    const auto n = std::int64_t(sizes_.size());
    if (n == 0) return {};
    const auto epoch = step / per_epoch_, k = step % per_epoch_;
    if (epoch != epoch_) draw_epoch(epoch);
    std::int64_t first = k * batch_size_, end = n;
    if (bucket_) {
        const auto w = k / kWindow;
        const auto begin = w * kWindow * batch_size_;
        end = std::min(n, (w + 1) * kWindow * batch_size_);
        if (w != window_) {
            // Sorting a window in place leaves the others as drawn; sorting it again (a step
            // revisited out of order) is a no-op, so the result never depends on the visit order.
            std::stable_sort(order_.begin() + begin, order_.begin() + end,
                             [&](std::int64_t a, std::int64_t b) { return sizes_[std::size_t(a)] < sizes_[std::size_t(b)]; });
            window_ = w;
        }
        const auto batches = (end - begin + batch_size_ - 1) / batch_size_;
        std::vector<std::int64_t> visit(std::size_t(batches), 0);
        for (std::int64_t i = 0; i < batches; ++i) visit[std::size_t(i)] = i;
        std::mt19937_64 shuffle(seed_ * 0x9E3779B97F4A7C15ull + std::uint64_t(epoch) * 7919u + std::uint64_t(w) + 1u);
        for (std::int64_t i = batches - 1; i > 0; --i)
            std::swap(visit[std::size_t(i)], visit[std::size_t(shuffle() % std::uint64_t(i + 1))]);
        first = begin + visit[std::size_t(k % kWindow)] * batch_size_;
    }
    std::vector<std::int64_t> out;
    for (std::int64_t i = first; i < std::min(end, first + batch_size_); ++i) out.push_back(order_[std::size_t(i)]);
    return out;
}

std::vector<std::int64_t> batch_indices(const std::vector<std::int64_t>& sizes, std::int64_t batch_size, std::uint64_t seed,
                                        std::int64_t step, bool bucket_by_size) {
    if (batch_size < 1) return {};
    return BatchPlan(sizes, batch_size, seed, bucket_by_size).indices(step);
}

}  // namespace adit::train
