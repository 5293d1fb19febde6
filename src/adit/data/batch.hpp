// The padded, masked tensor batch every model trains on: the contract between the data
// loader (data/) and the models (models/, train/, sample/).
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::data {

// System labels, as stored in the HDF5 layout's /structures/system.
enum System : std::int64_t { kMolecule = 0, kCrystal = 1 };

struct Batch {
    torch::Tensor atomic_numbers;  // [B, N] int64, 0 on padding
    torch::Tensor positions;       // [B, N, 3] float32, Cartesian Å (molecules centred at 0)
    torch::Tensor fractional;      // [B, N, 3] float32, in [0, 1) for crystals; zeros for molecules
    torch::Tensor lattice;         // [B, 6] float32: a, b, c (Å), alpha, beta, gamma (degrees); zeros for molecules
    torch::Tensor mask;            // [B, N] bool, true on real atoms
    torch::Tensor system;          // [B] int64, System
    torch::Tensor num_atoms;       // [B] int64
    std::vector<std::int64_t> index;  // position of each structure in its source dataset

    std::int64_t size() const { return atomic_numbers.size(0); }
    // The seven tensors above, always in this order: for work that treats them alike.
    std::array<torch::Tensor*, 7> tensors();
    std::array<const torch::Tensor*, 7> tensors() const;
    Batch to(const torch::Device& device) const;  // non-blocking copies
    // Blocking copies to the CPU: for results read on the host right after.
    Batch to_host() const;
};

struct CollateOptions {
    std::int64_t pad_to = 0;       // pad to at least this many atoms (0: the largest structure)
    bool center_molecules = true;  // subtract the centroid of molecules
    bool wrap_fractional = true;   // wrap crystal fractional coordinates into [0, 1)
};

// B structures padded to N atoms, every tensor zero (mask false): what both collate paths fill.
Batch zero_batch(std::int64_t B, std::int64_t N);

// Packs structures into one batch. `index` (optional) gives each one's dataset position.
Batch collate(const std::vector<Structure>& structures, const CollateOptions& options = {},
              const std::vector<std::int64_t>& index = {});

// The inverse, for decoded samples: entries with mask false are dropped; crystals are rebuilt
// from their lattice parameters and fractional coordinates, molecules from positions.
std::vector<Structure> uncollate(const Batch& batch);

}  // namespace adit::data
