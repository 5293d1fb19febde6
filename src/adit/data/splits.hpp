// Train/val/test splits of a dataset: seeded random splits and Bemis-Murcko scaffold splits
// (largest scaffold groups to train, then val, then test, as DeepChem's ScaffoldSplitter that
// MoleculeNet and Molecule3D use).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace adit::data {

struct SplitSpec {
    enum class Kind { none, random, scaffold };
    Kind kind = Kind::none;
    std::array<double, 3> fractions{0.8, 0.1, 0.1};  // train, val, test; sum <= 1
};

// "random:0.8,0.1,0.1", "scaffold:0.8,0.1,0.1", "random" (0.8/0.1/0.1) or "none"; throws adit::Error.
SplitSpec parse_split_spec(const std::string& text);

using SplitIndices = std::array<std::vector<std::int64_t>, 3>;  // train, val, test (sorted)

// Sizes of the three parts for n items: train and val rounded to nearest, test takes the
// remainder when the fractions sum to 1 (otherwise it is rounded too).
std::array<std::int64_t, 3> split_sizes(std::int64_t n, const std::array<double, 3>& fractions);

// A seeded random permutation cut into the three parts; each part sorted ascending.
SplitIndices random_split(std::int64_t n, const std::array<double, 3>& fractions, std::uint64_t seed);

// Groups items by scaffold key (an empty key, e.g. an acyclic molecule, is its own group "":
// all acyclic molecules form one group as in DeepChem), sorts groups by size descending then by
// first index, and fills train, then val, then test: a group goes to train while train stays
// within its share, else to val while val stays within its share, else to test.
SplitIndices scaffold_split(const std::vector<std::string>& scaffolds, const std::array<double, 3>& fractions);

}  // namespace adit::data
