// Which dataset positions each training step visits. Epoch e visits a permutation drawn from
// (seed, e) only, so a resumed run sees exactly the batches an uninterrupted one would; with
// bucket_by_size, each window of 50 batches of that permutation is sorted by size before it is
// cut, and the window's batches are visited in a seeded random order. Every structure appears
// once per epoch either way (the last, smaller batch is dropped with drop_last).
#pragma once

#include <cstdint>
#include <vector>

namespace adit::train {

class BatchPlan {
public:
    BatchPlan(std::vector<std::int64_t> sizes, std::int64_t batch_size, std::uint64_t seed, bool bucket_by_size,
              bool drop_last = false);

    std::int64_t batches_per_epoch() const { return per_epoch_; }

    // The positions of step `step`'s batch. The epoch's permutation (and the current window's
    // sorted order) is drawn once and kept, so consecutive steps cost O(batch) instead of a
    // shuffle and a sort of the whole dataset (milliseconds per step at QM9's size, on the
    // training loop's critical path).
    std::vector<std::int64_t> indices(std::int64_t step);

private:
    static constexpr std::int64_t kWindow = 50;  // batches per sorted window
    void draw_epoch(std::int64_t epoch);

    std::vector<std::int64_t> sizes_;
    std::int64_t batch_size_;
    std::uint64_t seed_;
    bool bucket_;
    std::int64_t per_epoch_ = 0;
    std::int64_t epoch_ = -1, window_ = -1;  // what order_ holds
    std::vector<std::int64_t> order_;       // the epoch's permutation; bucketed: window_ sorted
};

// One step's positions without keeping a plan: BatchPlan(...).indices(step).
std::vector<std::int64_t> batch_indices(const std::vector<std::int64_t>& sizes, std::int64_t batch_size, std::uint64_t seed,
                                        std::int64_t step, bool bucket_by_size);

}  // namespace adit::train
