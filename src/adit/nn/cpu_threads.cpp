#include "adit/nn/cpu_threads.hpp"

#include <torch/torch.h>

#include <dlfcn.h>

#include "adit/core/parallel.hpp"

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
    SingleThreadedKernels single;  // in every case, so that results do not depend on `workers`
    // Each new worker thread's own OpenMP team: itself.
    parallel_for(n, workers, work, [] { torch::set_num_threads(1); });
}

}  // namespace adit::nn
