// Running independent pieces of tensor work side by side on the CPU, one per core, each on one
// thread. Small matrices (a sampling batch of a few molecules) gain little from a multi-threaded
// BLAS or ATen kernel, and OpenBLAS's own thread pool spins against ATen's OpenMP team on a
// small machine (measured on 2 cores: 10 % from 2 threads on one batch, 1.5x from one batch per
// core), so the parallelism goes over the pieces instead.
#pragma once

#include <cstddef>
#include <functional>

namespace adit::nn {

// Runs work(i) for i in [0, n) on `workers` threads (0: one per core), every piece with one ATen
// thread and the BLAS library's own threads set to 1 (OpenBLAS, found at run time; other BLAS
// libraries are left alone), also when there is one worker or one piece: a piece's floating-point
// result then does not depend on the thread count. Restores both thread counts afterwards. The
// first exception thrown by a piece is rethrown once all threads have stopped.
void parallel_pieces(std::size_t n, int workers, const std::function<void(std::size_t)>& work);

}  // namespace adit::nn
