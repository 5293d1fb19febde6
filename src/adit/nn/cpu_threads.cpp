#include "adit/nn/cpu_threads.hpp"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace adit::nn {

namespace {

// OpenBLAS's thread-count functions, when the process has them (Debian's LibTorch calls BLAS
// through libblas.so.3, which is OpenBLAS when libopenblas0-pthread is installed).
struct BlasThreads {
    using Set = void (*)(int);
    using Get = int (*)();
    Set set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    Get get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    bool available() const { return set && get; }
};

// Sets one ATen thread (for the calling thread's OpenMP team) and one OpenBLAS thread, and puts
// both counts back when it goes out of scope.
class SingleThreadedKernels {
public:
    SingleThreadedKernels() : aten_(torch::get_num_threads()), blas_(blas_api_.available() ? blas_api_.get() : 0) {
        if (blas_api_.available()) blas_api_.set(1);
        torch::set_num_threads(1);
    }
    ~SingleThreadedKernels() {
        torch::set_num_threads(aten_);
        if (blas_api_.available()) blas_api_.set(blas_);
    }
    SingleThreadedKernels(const SingleThreadedKernels&) = delete;
    SingleThreadedKernels& operator=(const SingleThreadedKernels&) = delete;

private:
    BlasThreads blas_api_;
    int aten_, blas_;
};

}  // namespace

void parallel_pieces(std::size_t n, int workers, const std::function<void(std::size_t)>& work) {
    if (workers <= 0) workers = int(std::max(1u, std::thread::hardware_concurrency()));
    workers = int(std::min<std::size_t>(std::size_t(std::max(workers, 1)), std::max<std::size_t>(n, 1)));
    SingleThreadedKernels single;  // in every case, so that results do not depend on `workers`
    if (workers == 1) {
        for (std::size_t i = 0; i < n; ++i) work(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto run = [&] {
        torch::set_num_threads(1);  // this thread's OpenMP team: itself
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                work(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
                next = n;  // the others stop after their current piece
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < workers; ++t) pool.emplace_back(run);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace adit::nn
