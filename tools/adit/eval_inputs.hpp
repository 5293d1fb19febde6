// Inputs shared by `adit eval`, `adit match` and `adit draw`: structure files of every format
// the readers know (through interop/structure_files.hpp) and reference sets for novelty.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::cli {

// Every structure in `path` (multi-frame XYZ/extXYZ, SDF, multi-block CIF, a directory of CIFs,
// CDVAE CSV) or an adit HDF5 dataset (.h5/.hdf5 in the io/hdf5_store.hpp layout, as `adit
// prepare` writes it). `split` ("train", "val", "test") keeps only that split of
// an HDF5 dataset, in the split's order; "" = every structure in stored order. A split given
// for a non-HDF5 file is an error.
std::vector<Structure> load_structures(const std::string& path, const std::string& split = "");

// As load_structures, but a CDVAE CSV row whose CIF cannot be read (generated samples often have
// two atoms on one site) becomes an empty Structure and its reason in `errors[i]` instead of
// failing the whole file; other formats are read whole. errors.size() == structures.size().
struct LoadedStructures {
    std::vector<Structure> structures;
    std::vector<std::string> errors;  // "" = read fine
    std::size_t failed() const;
};
LoadedStructures load_structures_tolerant(const std::string& path, const std::string& split = "");

// Reference SMILES for molecule novelty, as novelty keys (see molecule_novelty_key): a .smi /
// .txt file (first token per line), a .csv / .csv.gz with a `smiles` column, or any structure
// file (its molecules go through the same Open Babel -> RDKit pipeline; `threads` workers),
// including an HDF5 dataset (optionally one `split` of it, as load_structures).
std::unordered_set<std::string> load_reference_smiles(const std::string& path, int threads, const std::string& split = "");

}  // namespace adit::cli
