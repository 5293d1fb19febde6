#include "adit/data/loader.hpp"

#include <algorithm>
#include <numeric>

#include "adit/core/error.hpp"
#include "adit/data/random.hpp"

namespace adit::data {

namespace {
// Stream labels for derive_seed, so the different random choices never share a stream.
constexpr std::uint64_t kSourceChoice = 1, kPermutation = 2, kRotation = 3;
}  // namespace

Loader::Loader(std::vector<LoaderSource> sources, LoaderOptions options)
    : sources_(std::move(sources)), options_(options) {
    if (sources_.empty()) fail("loader: no data sources");
    if (options_.batch_size < 1) fail("loader: batch size must be positive (got {})", options_.batch_size);
    std::int64_t total = 0;
    for (std::size_t s = 0; s < sources_.size(); ++s) {
        const LoaderSource& src = sources_[s];
        if (!src.dataset) fail("loader: source {} has no dataset", s);
        if (src.indices.empty()) fail("loader: source {} ({}) has no structures to draw from", s, src.dataset->path());
        if (!(src.weight > 0)) fail("loader: source {} needs a positive sampling weight", s);
        for (std::int64_t i : src.indices)
            if (i < 0 || i >= src.dataset->size()) fail("loader: index {} outside {} ({} structures)", i, src.dataset->path(), src.dataset->size());
        total += static_cast<std::int64_t>(src.indices.size());
    }
    epoch_size_ = options_.epoch_size > 0 ? options_.epoch_size : total;
    if (options_.drop_last && epoch_size_ < options_.batch_size)
        fail("loader: an epoch of {} structures holds no full batch of {}", epoch_size_, options_.batch_size);
    if (options_.workers > 0) start_workers();
}

Loader::~Loader() { stop_workers(); }

std::int64_t Loader::batches_per_epoch() const {
    return options_.drop_last ? epoch_size_ / options_.batch_size
                              : (epoch_size_ + options_.batch_size - 1) / options_.batch_size;
}

LoaderPosition Loader::advance(LoaderPosition p) const {
    if (++p.batch >= batches_per_epoch()) {
        p.batch = 0;
        ++p.epoch;
    }
    return p;
}

std::shared_ptr<const Loader::Plan> Loader::plan(std::int64_t epoch) const {
    std::lock_guard<std::mutex> lock(plan_mutex_);
    if (auto it = plans_.find(epoch); it != plans_.end()) return it->second;

    auto out = std::make_shared<Plan>();
    out->reserve(static_cast<std::size_t>(epoch_size_));
    const auto nsrc = sources_.size();
    double total_weight = 0;
    for (const LoaderSource& s : sources_) total_weight += s.weight;
    // Per source: a cursor into its concatenated permutations (cycle 0, 1, ...).
    std::vector<std::vector<std::int64_t>> order(nsrc);
    std::vector<std::size_t> cursor(nsrc, 0);
    std::vector<std::uint64_t> cycle(nsrc, 0);
    auto refill = [&](std::size_t s) {
        order[s] = sources_[s].indices;
        if (options_.shuffle) {
            Rng rng(derive_seed(options_.seed, {kPermutation, static_cast<std::uint64_t>(epoch), s, cycle[s]}));
            rng.shuffle(order[s]);
        }
        ++cycle[s];
        cursor[s] = 0;
    };
    for (std::size_t s = 0; s < nsrc; ++s) refill(s);
    Rng choice(derive_seed(options_.seed, {kSourceChoice, static_cast<std::uint64_t>(epoch)}));
    for (std::int64_t slot = 0; slot < epoch_size_; ++slot) {
        std::size_t s = 0;
        if (nsrc > 1) {
            double u = choice.uniform() * total_weight;
            while (s + 1 < nsrc && u >= sources_[s].weight) u -= sources_[s++].weight;
        }
        if (cursor[s] == order[s].size()) refill(s);
        out->emplace_back(static_cast<int>(s), order[s][cursor[s]++]);
    }
    // Keep the current and the next epoch: workers may run one epoch ahead.
    while (!plans_.empty() && plans_.begin()->first < epoch - 1) plans_.erase(plans_.begin());
    plans_[epoch] = out;
    return out;
}

std::vector<std::pair<int, std::int64_t>> Loader::items_at(LoaderPosition p) const {
    const auto pl = plan(p.epoch);
    const std::int64_t first = p.batch * options_.batch_size;
    const std::int64_t last = std::min(first + options_.batch_size, epoch_size_);
    if (p.batch < 0 || p.batch >= batches_per_epoch()) fail("loader: batch {} outside an epoch of {} batches", p.batch, batches_per_epoch());
    return {pl->begin() + first, pl->begin() + last};
}

Batch Loader::build(const Plan& pl, LoaderPosition p) const {
    const std::int64_t first = p.batch * options_.batch_size;
    const std::int64_t last = std::min(first + options_.batch_size, epoch_size_);
    std::vector<BatchItem> items(static_cast<std::size_t>(last - first));
    for (std::int64_t k = first; k < last; ++k) {
        BatchItem& it = items[static_cast<std::size_t>(k - first)];
        const auto& [source, index] = pl[static_cast<std::size_t>(k)];
        it.dataset = sources_[static_cast<std::size_t>(source)].dataset.get();
        it.index = index;
        if (options_.random_rotation && !it.dataset->data().is_crystal(index)) {
            Rng rng(derive_seed(options_.seed, {kRotation, static_cast<std::uint64_t>(p.epoch), static_cast<std::uint64_t>(k)}));
            const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
            random_rotation(u1, u2, u3, it.rotation);
            it.rotate = true;
        }
    }
    return collate_items(items, options_.collate);
}

Batch Loader::batch_at(LoaderPosition p) const {
    if (p.batch < 0 || p.batch >= batches_per_epoch() || p.epoch < 0)
        fail("loader: position (epoch {}, batch {}) outside an epoch of {} batches", p.epoch, p.batch, batches_per_epoch());
    return build(*plan(p.epoch), p);
}

void Loader::start_workers() {
    stopping_ = false;
    submitted_ = position_;
    for (int t = 0; t < options_.workers; ++t)
        threads_.emplace_back([this] {
            for (;;) {
                std::packaged_task<Batch()> job;
                {
                    std::unique_lock<std::mutex> lock(queue_mutex_);
                    queue_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                    if (stopping_ && jobs_.empty()) return;
                    job = std::move(jobs_.front());
                    jobs_.pop_front();
                }
                job();
            }
        });
}

void Loader::stop_workers() {
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    jobs_.clear();
    pending_.clear();
}

void Loader::submit(LoaderPosition p) {
    std::packaged_task<Batch()> task([this, p] { return batch_at(p); });
    pending_.push_back(task.get_future());
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        jobs_.push_back(std::move(task));
    }
    queue_cv_.notify_one();
}

Batch Loader::next() {
    if (threads_.empty()) {
        Batch b = batch_at(position_);
        position_ = advance(position_);
        return b;
    }
    const std::size_t depth = static_cast<std::size_t>(options_.prefetch > 0 ? options_.prefetch : 2 * options_.workers);
    while (pending_.size() < depth) {
        submit(submitted_);
        submitted_ = advance(submitted_);
    }
    std::future<Batch> f = std::move(pending_.front());
    pending_.pop_front();
    position_ = advance(position_);
    return f.get();  // rethrows a worker's exception here
}

void Loader::seek(LoaderPosition p) {
    if (p.epoch < 0 || p.batch < 0 || p.batch >= batches_per_epoch())
        fail("loader: cannot seek to epoch {}, batch {} (an epoch has {} batches)", p.epoch, p.batch, batches_per_epoch());
    if (!threads_.empty()) {
        for (std::future<Batch>& f : pending_) f.wait();  // let in-flight work finish before dropping it
        pending_.clear();
        submitted_ = p;
    }
    position_ = p;
}

}  // namespace adit::data
