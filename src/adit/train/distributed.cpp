// Data-parallel training on c10d (see distributed.hpp). The only file that includes c10d's
// headers. Gloo and NCCL are compiled in where the LibTorch we build against provides them:
// CMake defines ADIT_HAVE_GLOO / ADIT_HAVE_NCCL for this file only (and USE_C10D_GLOO /
// USE_C10D_NCCL, which c10d's headers test).
//
// Why our own bucketed reducer rather than c10d::Reducer: the Reducer is the engine of Python's
// DistributedDataParallel; its constructor and its hook protocol changed between LibTorch 1.13
// and 2.x, it expects the Python side to drive prepare_for_backward / unused-parameter search,
// and it does not know our shards. What it does for us fits in ~150 lines on the stable c10d
// collective API (allreduce / broadcast / barrier, unchanged from 1.13 to 2.x): tensor hooks
// on the parameters fill flat buckets that are all-reduced while backward goes on.
#include "adit/train/distributed.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#ifdef ADIT_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef ADIT_HAVE_NCCL
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"

namespace adit::train {

namespace {

#if TORCH_VERSION_MAJOR >= 2
using BackendPtr = c10::intrusive_ptr<c10d::Backend>;  // 2.x: Gloo/NCCL are c10d::Backends
#else
using BackendPtr = c10::intrusive_ptr<c10d::ProcessGroup>;  // 1.13: they are ProcessGroups
#endif
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

int env_int(const char* name, bool required, int fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) {
        if (required) fail("--distributed: environment variable {} is not set (start the processes with tools/gpu/launch.sh or torchrun)", name);
        return fallback;
    }
    char* end = nullptr;
    const long x = std::strtol(v, &end, 10);
    if (end == v || *end != '\0' || x < 0 || x > (1 << 30)) fail("--distributed: {}={} is not a non-negative integer", name, v);
    return int(x);
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace

ProcessEnvironment process_environment_from_env() {
    ProcessEnvironment e;
    e.rank = env_int("RANK", true, 0);
    e.world_size = env_int("WORLD_SIZE", true, 1);
    e.local_rank = env_int("LOCAL_RANK", false, e.rank);
    e.master_port = env_int("MASTER_PORT", false, 29500);
    if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.master_addr = a;
    if (const char* a = std::getenv("TORCHELASTIC_USE_AGENT_STORE")) e.agent_store = std::string(a) == "True";
    if (e.world_size < 1) fail("--distributed: WORLD_SIZE must be at least 1");
    if (e.rank >= e.world_size) fail("--distributed: RANK={} is not below WORLD_SIZE={}", e.rank, e.world_size);
    if (e.master_port < 1 || e.master_port > 65535) fail("--distributed: MASTER_PORT={} is not a TCP port", e.master_port);
    return e;
}

std::vector<std::string> available_backends() {
    std::vector<std::string> b;
#ifdef ADIT_HAVE_GLOO
    b.push_back("gloo");
#endif
#ifdef ADIT_HAVE_NCCL
    b.push_back("nccl");
#endif
    return b;
}

// ---- ProcessGroup ---------------------------------------------------------------------------

struct ProcessGroup::Impl {
    ProcessEnvironment env;
    DistributedOptions options;
    std::string backend;
    torch::Device device{torch::kCPU};
    c10::intrusive_ptr<c10d::Store> store;  // declared before pg: destroyed after it
    BackendPtr pg;

    // Collectives need dense tensors on the backend's device (CUDA for NCCL).
    bool needs_staging(const torch::Tensor& t) const {
        return !t.is_contiguous() || (backend == "nccl" && t.device() != device);
    }
    WorkPtr allreduce(std::vector<torch::Tensor>& t) {
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        o.timeout = options.timeout;
        return pg->allreduce(t, o);
    }
    WorkPtr broadcast(std::vector<torch::Tensor>& t, int root) {
        c10d::BroadcastOptions o;
        o.rootRank = root;
        o.rootTensor = 0;
        o.timeout = options.timeout;
        return pg->broadcast(t, o);
    }
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const { return impl_->env.rank; }
int ProcessGroup::world_size() const { return impl_->env.world_size; }
int ProcessGroup::local_rank() const { return impl_->env.local_rank; }
const std::string& ProcessGroup::backend() const { return impl_->backend; }
torch::Device ProcessGroup::device() const { return impl_->device; }
const DistributedOptions& ProcessGroup::options() const { return impl_->options; }

std::shared_ptr<ProcessGroup> ProcessGroup::from_environment(const DistributedOptions& options, torch::Device device) {
    auto impl = std::make_unique<Impl>();
    impl->env = process_environment_from_env();
    impl->options = options;
    const auto& env = impl->env;
    std::string backend = options.backend;
    if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
    const auto have = available_backends();
    if (std::find(have.begin(), have.end(), backend) == have.end())
        fail("--distributed: this build of adit has no {} backend (available: {}); see docs/gpu.md", backend,
             have.empty() ? std::string("none") : fmt::format("{}", fmt::join(have, ", ")));
    impl->backend = backend;
    impl->device = device;
    if (backend == "nccl") {
        if (!device.is_cuda()) fail("--distributed: the nccl backend needs --device cuda");
        impl->device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
    }

    try {
        c10d::TCPStoreOptions so;
        so.port = static_cast<std::uint16_t>(env.master_port);
        so.isServer = env.rank == 0 && !env.agent_store;
        so.numWorkers = static_cast<std::size_t>(env.world_size);
        so.waitWorkers = true;
        so.timeout = options.timeout;
        auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
        impl->store = c10::make_intrusive<c10d::PrefixStore>("adit", tcp);
    } catch (const std::exception& e) {
        fail("--distributed: rendezvous at {}:{} (rank {} of {}) failed: {}", env.master_addr, env.master_port, env.rank,
             env.world_size, e.what());
    }

    try {
#ifdef ADIT_HAVE_GLOO
        if (backend == "gloo") {
            auto o = c10d::ProcessGroupGloo::Options::create(options.timeout);
            const std::string& host = env.master_addr;
            if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
                o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
            else if (host == "localhost" || host.rfind("127.", 0) == 0)  // all ranks on this host
                o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, o);
        }
#endif
#ifdef ADIT_HAVE_NCCL
        if (backend == "nccl") {
            // NCCL communicators bind to the current device.
            c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->setDevice(impl->device);
            auto o = c10d::ProcessGroupNCCL::Options::create();
            o->timeout = options.timeout;
            impl->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, env.rank, env.world_size, o);
        }
#endif
    } catch (const std::exception& e) {
        fail("--distributed: creating the {} process group (rank {} of {}) failed: {}", backend, env.rank, env.world_size, e.what());
    }
    if (!impl->pg) fail("--distributed: no {} process group", backend);
    log_info("distributed: rank {} of {} (local rank {}), {} backend, rendezvous {}:{}", env.rank, env.world_size,
             env.local_rank, backend, env.master_addr, env.master_port);
    return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
    if (tensors.empty()) return;
    // One broadcast per dtype: the tensors flattened into one buffer on the backend's device.
    std::map<c10::ScalarType, std::vector<std::size_t>> by_type;
    for (std::size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
    torch::NoGradGuard no_grad;
    for (auto& [type, idx] : by_type) {
        std::vector<torch::Tensor> flat_parts;
        for (auto i : idx) flat_parts.push_back(tensors[i].detach().reshape(-1).to(impl_->device));
        std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
        impl_->broadcast(flat, root)->wait();
        std::int64_t offset = 0;
        for (auto i : idx) {
            auto& t = tensors[i];
            t.detach().copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
            offset += t.numel();
        }
    }
}

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
    for (auto& t : tensors) {
        if (impl_->needs_staging(t)) {
            std::vector<torch::Tensor> staged{t.detach().contiguous().to(impl_->device)};
            impl_->allreduce(staged)->wait();
            t.detach().copy_(staged[0]);
        } else {
            std::vector<torch::Tensor> one{t};
            impl_->allreduce(one)->wait();
        }
    }
}

void ProcessGroup::barrier() {
    c10d::BarrierOptions o;
    o.timeout = impl_->options.timeout;
    impl_->pg->barrier(o)->wait();
}

// ---- shards ---------------------------------------------------------------------------------

std::vector<ShardSpan> shard_spans(std::size_t n, std::int64_t shards) {
    if (shards < 1) fail("train.shards must be at least 1");
    std::vector<ShardSpan> out;
    const auto K = std::size_t(shards);
    for (std::size_t k = 0; k < K; ++k) {
        ShardSpan s;
        s.index = std::int64_t(k);
        s.begin = n * k / K;
        s.end = n * (k + 1) / K;
        s.weight = n ? double(s.end - s.begin) / double(n) : 0.0;
        out.push_back(s);
    }
    return out;
}

std::uint64_t shard_seed(std::uint64_t seed, std::int64_t step, std::int64_t shard) {
    return splitmix64(splitmix64(splitmix64(seed) ^ std::uint64_t(step)) ^ std::uint64_t(shard));
}

// ---- the bucketed gradient reducer ------------------------------------------------------------

class DataParallel::Reducer {
public:
    Reducer(ProcessGroup& group, std::vector<torch::Tensor> params) : group_(group) {
        const double bucket_bytes = std::max(1.0, group.options().bucket_mb * 1024.0 * 1024.0);
        // Buckets in reverse parameter order (backward produces the last layers' gradients
        // first); a new bucket when full or when dtype/device change.
        double bytes = 0;
        for (auto it = params.rbegin(); it != params.rend(); ++it) {
            const auto& p = *it;
            if (group.backend() == "nccl" && !p.is_cuda())
                fail("--distributed: the nccl backend needs the model on CUDA (--device cuda)");
            const double size = double(p.numel()) * double(p.element_size());
            if (buckets_.empty() || bytes + size > bucket_bytes || p.scalar_type() != buckets_.back().type ||
                p.device() != buckets_.back().device) {
                buckets_.push_back(Bucket{});
                buckets_.back().type = p.scalar_type();
                buckets_.back().device = p.device();
                bytes = 0;
            }
            bytes += size;
            auto& b = buckets_.back();
            Slot s;
            s.param = p;
            s.bucket = buckets_.size() - 1;
            s.offset = b.numel;
            b.numel += p.numel();
            b.slots.push_back(slots_.size());
            slots_.push_back(s);
        }
        // Each bucket: the gradients, then one "this rank had a gradient" flag per parameter.
        for (auto& b : buckets_)
            b.flat = torch::zeros({b.numel + std::int64_t(b.slots.size())}, torch::TensorOptions().dtype(b.type).device(b.device));
        for (auto& b : buckets_)
            for (std::size_t j = 0; j < b.slots.size(); ++j) slots_[b.slots[j]].flag_index = b.numel + std::int64_t(j);
        for (std::size_t i = 0; i < slots_.size(); ++i)
            slots_[i].hook = slots_[i].param.register_hook([this, i](torch::Tensor grad) { on_gradient(i, grad); });
        log_info("distributed: {} parameter tensors in {} gradient buckets", slots_.size(), buckets_.size());
    }
    ~Reducer() {
        for (auto& s : slots_) s.param.remove_hook(s.hook);
    }

    // The next backward pass is the step's last on this rank: its gradients get reduced.
    void arm() {
        std::lock_guard<std::mutex> lock(mutex_);
        arm_locked();
        armed_ = true;
    }

    // After the backward pass (or instead of it, on a rank without data this step): launches
    // the buckets still waiting, waits for all, and writes the summed gradients into .grad.
    void finish() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!armed_) arm_locked();  // this rank ran no backward pass this step
            armed_ = false;
            for (auto& s : slots_)
                if (!s.ready) fill_slot(s, torch::Tensor());
            for (auto& b : buckets_) b.pending = 0;
            launch_in_order();
        }
        torch::NoGradGuard no_grad;
        for (auto& b : buckets_) {
            b.work->wait();
            // The flags, summed over ranks: how many ranks had a gradient for each parameter.
            const auto flags = b.flat.narrow(0, b.numel, std::int64_t(b.slots.size())).to(torch::kCPU, torch::kFloat64);
            const auto* count = flags.data_ptr<double>();
            for (std::size_t j = 0; j < b.slots.size(); ++j) {
                auto& s = slots_[b.slots[j]];
                if (count[j] <= 0) continue;  // no rank had a gradient: leave .grad as it is (undefined)
                auto summed = b.flat.narrow(0, s.offset, s.param.numel()).view(s.param.sizes());
                auto& grad = s.param.mutable_grad();
                if (grad.defined()) grad.copy_(summed);
                else grad = summed.clone();
            }
        }
    }

private:
    struct Slot {
        torch::Tensor param;
        std::size_t bucket = 0;
        std::int64_t offset = 0;
        std::int64_t flag_index = 0;
        unsigned hook = 0;
        bool ready = false;
    };
    struct Bucket {
        c10::ScalarType type = c10::ScalarType::Float;
        torch::Device device{torch::kCPU};
        std::int64_t numel = 0;
        std::vector<std::size_t> slots;
        torch::Tensor flat;
        std::size_t pending = 0;
        WorkPtr work;
    };

    void arm_locked() {
        for (auto& b : buckets_) {
            b.pending = b.slots.size();
            b.work.reset();
            b.flat.zero_();
        }
        for (auto& s : slots_) s.ready = false;
        next_ = 0;
    }

    // Writes `grad` (this backward's gradient, or none) plus what .grad already holds from the
    // rank's earlier shards into the parameter's place in its bucket.
    void fill_slot(Slot& s, const torch::Tensor& grad) {
        torch::NoGradGuard no_grad;
        auto& b = buckets_[s.bucket];
        auto view = b.flat.narrow(0, s.offset, s.param.numel());
        const auto& held = s.param.grad();
        bool any = false;
        if (grad.defined()) {
            view.copy_(grad.reshape(-1));
            any = true;
        }
        if (held.defined()) {
            if (any) view.add_(held.reshape(-1));
            else view.copy_(held.reshape(-1));
            any = true;
        }
        b.flat[s.flag_index].fill_(any ? 1.0 : 0.0);
        s.ready = true;
    }

    void on_gradient(std::size_t i, const torch::Tensor& grad) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!armed_) return;
        auto& s = slots_[i];
        auto& b = buckets_[s.bucket];
        if (s.ready) {  // a second gradient for the same parameter in one backward pass
            if (b.work) fail("distributed: parameter gradient arrived after its bucket was sent");
            torch::NoGradGuard no_grad;
            b.flat.narrow(0, s.offset, s.param.numel()).add_(grad.reshape(-1));
            return;
        }
        fill_slot(s, grad);
        --b.pending;
        launch_in_order();
    }

    // Starts every complete bucket whose predecessors have started (the same order on all ranks).
    void launch_in_order() {
        while (next_ < buckets_.size() && buckets_[next_].pending == 0) {
            std::vector<torch::Tensor> t{buckets_[next_].flat};
            buckets_[next_].work = group_.impl().allreduce(t);
            ++next_;
        }
    }

    ProcessGroup& group_;
    std::vector<Slot> slots_;
    std::vector<Bucket> buckets_;
    std::size_t next_ = 0;
    bool armed_ = false;
    std::mutex mutex_;
};

// ---- DataParallel ----------------------------------------------------------------------------

DataParallel::DataParallel(std::shared_ptr<ProcessGroup> group, torch::nn::Module& module, std::vector<torch::Tensor> params,
                           std::uint64_t seed, std::int64_t shards)
    : group_(std::move(group)), seed_(seed), shards_(shards > 0 ? shards : (group_ ? group_->world_size() : 1)) {
    const int W = world_size();
    if (shards_ < W) fail("train.shards = {} is fewer than the {} processes: every process needs a shard", shards_, W);
    if (shards_ % W != 0)
        log_warn("train.shards = {} is not a multiple of the {} processes: some do more work than others", shards_, W);
    if (!group_) return;
    std::vector<torch::Tensor> state;
    for (auto& p : module.parameters()) state.push_back(p);
    for (auto& b : module.buffers()) state.push_back(b);
    group_->broadcast(state, 0);  // identical initial weights on every rank
    reducer_ = std::make_unique<Reducer>(*group_, std::move(params));
}

DataParallel::~DataParallel() = default;
int DataParallel::rank() const { return group_ ? group_->rank() : 0; }
int DataParallel::world_size() const { return group_ ? group_->world_size() : 1; }

ParallelStep DataParallel::step(std::int64_t step, std::size_t batch_size,
                                const std::function<torch::Tensor(std::size_t, std::size_t)>& shard_loss, bool stop) {
    const auto spans = shard_spans(batch_size, shards_);
    const std::int64_t W = world_size(), r = rank();
    std::vector<ShardSpan> mine;
    for (std::int64_t k = shards_ * r / W; k < shards_ * (r + 1) / W; ++k)
        if (spans[std::size_t(k)].end > spans[std::size_t(k)].begin) mine.push_back(spans[std::size_t(k)]);
    torch::Tensor local;  // no host synchronisation here: the loss stays a device tensor
    for (std::size_t i = 0; i < mine.size(); ++i) {
        const auto& s = mine[i];
        torch::manual_seed(shard_seed(seed_, step, s.index));
        auto loss = shard_loss(s.begin, s.end);
        auto weighted = loss.detach().to(torch::kFloat64) * s.weight;
        local = local.defined() ? local + weighted : weighted;
        if (reducer_ && i + 1 == mine.size()) reducer_->arm();
        (s.weight == 1.0 ? loss : loss * s.weight).backward();
    }
    if (!local.defined()) local = torch::zeros({}, torch::kFloat64);  // no structures for this rank
    if (!group_) return {local, torch::Tensor()};
    reducer_->finish();
    // The loss and the stop request in one all-reduce.
    std::vector<torch::Tensor> t{torch::stack({local, torch::full({}, stop ? 1.0 : 0.0, local.options())})};
    group_->all_reduce_sum(t);
    return {t[0][0], t[0][1]};
}

void DataParallel::barrier() {
    if (group_) group_->barrier();
}

}  // namespace adit::train
