// The training loader: streams padded, masked Batches from one or more prepared datasets
// (molecules, crystals, or both mixed with a per-source sampling weight, as joint ADiT training
// does), with optional random rotations of molecules, background worker threads, and an order
// that is a pure function of (seed, epoch, batch), so training resumes exactly from a saved
// LoaderPosition whatever the number of workers.
//
// Order. An epoch has `epoch_size` slots (default: the sum of the sources' sizes), cut into
// batches of `batch_size`. With one source, the slots are a seeded permutation of its indices
// (a classic shuffled epoch). With several, each slot draws its source at random with
// probability weight / sum(weights); each source then yields its own seeded permutations one
// after another (a small source is cycled, a large one subsampled within the epoch).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adit/data/dataset.hpp"

namespace adit::data {

struct LoaderSource {
    std::shared_ptr<const Dataset> dataset;
    std::vector<std::int64_t> indices;  // structures to draw from (e.g. dataset->indices(Split::train))
    double weight = 1.0;                // relative sampling weight among sources
};

struct LoaderOptions {
    std::int64_t batch_size = 64;
    bool shuffle = true;
    bool drop_last = false;         // drop the last, smaller batch of an epoch
    bool random_rotation = false;   // rotate each molecule uniformly at random (crystals untouched)
    int workers = 0;                // background threads building batches; 0 builds in next()
    int prefetch = 0;               // batches built ahead (0: 2 per worker)
    std::uint64_t seed = 0;
    std::int64_t epoch_size = 0;    // structures per epoch; 0: sum of the sources' sizes
    CollateOptions collate;
};

// Where the loader stands: the next batch next() returns is batch `batch` of epoch `epoch`.
struct LoaderPosition {
    std::int64_t epoch = 0;
    std::int64_t batch = 0;
    bool operator==(const LoaderPosition& o) const { return epoch == o.epoch && batch == o.batch; }
};

class Loader {
public:
    Loader(std::vector<LoaderSource> sources, LoaderOptions options);
    ~Loader();
    Loader(const Loader&) = delete;
    Loader& operator=(const Loader&) = delete;

    // The next batch; epochs follow one another without end (check position().epoch).
    Batch next();
    LoaderPosition position() const { return position_; }
    // Continue from a saved position (the batches that follow are identical to an
    // uninterrupted run with the same sources, options and seed).
    void seek(LoaderPosition position);

    std::int64_t batches_per_epoch() const;
    std::int64_t epoch_size() const { return epoch_size_; }
    const LoaderOptions& options() const { return options_; }

    // Pure: the batch at a position (what next() returns there).
    Batch batch_at(LoaderPosition position) const;
    // Pure: which (source, structure index) pairs fill that batch.
    std::vector<std::pair<int, std::int64_t>> items_at(LoaderPosition position) const;

private:
    using Plan = std::vector<std::pair<int, std::int64_t>>;  // (source, structure index) per slot
    std::shared_ptr<const Plan> plan(std::int64_t epoch) const;
    Batch build(const Plan& plan, LoaderPosition position) const;
    void start_workers();
    void stop_workers();
    void submit(LoaderPosition position);
    LoaderPosition advance(LoaderPosition p) const;

    std::vector<LoaderSource> sources_;
    LoaderOptions options_;
    std::int64_t epoch_size_ = 0;
    LoaderPosition position_;
    LoaderPosition submitted_;  // the next position to hand to the workers

    mutable std::mutex plan_mutex_;
    mutable std::map<std::int64_t, std::shared_ptr<const Plan>> plans_;

    // Worker pool: jobs are positions, results come back as futures in submission order.
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::packaged_task<Batch()>> jobs_;
    std::deque<std::future<Batch>> pending_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

}  // namespace adit::data
