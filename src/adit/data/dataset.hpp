// A prepared dataset (adit's HDF5 layout, see io/hdf5_store.hpp) loaded into memory, and the
// fast path from its flat arrays to a padded Batch. Datasets are read whole: QM9 is ~30 MB,
// MP-20 ~5 MB in memory, so one bulk read beats streaming chunks on every epoch.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adit/data/batch.hpp"
#include "adit/io/hdf5_store.hpp"

namespace adit::data {

class Dataset {
public:
    explicit Dataset(PreparedData data, std::string path = "");
    // Reads a file written by `adit prepare`; throws adit::Error naming it otherwise.
    static std::shared_ptr<const Dataset> open(const std::string& path);

    const PreparedData& data() const { return data_; }
    const std::string& path() const { return path_; }
    std::int64_t size() const { return data_.size(); }
    // The structure indices of a split (as stored); all indices when the file has no splits.
    const std::vector<std::int64_t>& indices(Split split) const;
    std::vector<std::int64_t> all_indices() const;
    Structure structure(std::int64_t i) const { return data_.structure(i); }
    std::int64_t max_atoms() const { return max_atoms_; }

private:
    PreparedData data_;
    std::string path_;
    std::int64_t max_atoms_ = 0;
};

// One entry of a batch: which dataset, which structure in it, and an optional rotation
// (row-major 3x3, applied to centred molecule positions; identity when absent).
struct BatchItem {
    const Dataset* dataset = nullptr;
    std::int64_t index = 0;
    bool rotate = false;
    double rotation[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
};

// The same tensors as collate() on the rebuilt Structures, filled straight from the flat
// float32 arrays (the loader's hot path; no per-structure allocation).
Batch collate_items(const std::vector<BatchItem>& items, const CollateOptions& options = {});

// A uniformly random rotation matrix (row-major) from three uniform numbers in [0, 1)
// (Shoemake's quaternion method, Graphics Gems III).
void random_rotation(double u1, double u2, double u3, double out[9]);

}  // namespace adit::data
