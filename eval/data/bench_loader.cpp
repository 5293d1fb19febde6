// Loader throughput: structures per second from prepared HDF5 files into padded CPU tensors.
//   nice cmake --build build -j2 --target bench_loader
//   ./build/bench_loader data/qm9_dft.h5 data/mp20.h5
// Prints one line per setting (molecules, crystals, mixed; workers 0/1/2; rotations on/off).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "adit/data/loader.hpp"

using namespace adit::data;

namespace {
void run(const char* name, std::vector<LoaderSource> sources, LoaderOptions o, std::int64_t batches) {
    Loader loader(std::move(sources), o);
    loader.next();  // warm-up (plan, threads)
    std::int64_t structures = 0, atoms = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t b = 0; b < batches; ++b) {
        const Batch batch = loader.next();
        structures += batch.size();
        atoms += batch.num_atoms.sum().item<std::int64_t>();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-9s batch %4lld workers %d rotation %-3s  %10.0f structures/s  %11.0f atoms/s\n", name,
                static_cast<long long>(o.batch_size), o.workers, o.random_rotation ? "on" : "off", structures / s, atoms / s);
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_loader MOLECULES.h5 CRYSTALS.h5\n");
        return 2;
    }
    torch::set_num_threads(1);
    auto mol = Dataset::open(argv[1]);
    auto cry = Dataset::open(argv[2]);
    const std::int64_t batches = 400;
    for (int workers : {0, 1, 2}) {
        for (bool rotation : {false, true}) {
            LoaderOptions o;
            o.batch_size = 256;
            o.workers = workers;
            o.random_rotation = rotation;
            run("molecules", {{mol, mol->indices(adit::Split::train)}}, o, batches);
        }
        LoaderOptions o;
        o.batch_size = 256;
        o.workers = workers;
        run("crystals", {{cry, cry->indices(adit::Split::train)}}, o, batches);
        o.random_rotation = true;
        run("mixed", {{mol, mol->indices(adit::Split::train), 1.0}, {cry, cry->indices(adit::Split::train), 1.0}}, o, batches);
    }
    return 0;
}
