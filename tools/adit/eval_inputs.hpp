// Inputs shared by `adit eval`, `adit match` and `adit draw`: structure files of every format
// the readers know (through interop/structure_files.hpp) and reference sets for novelty.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::cli {

// Every structure in `path` (multi-frame XYZ/extXYZ, SDF, multi-block CIF, a directory of CIFs,
// CDVAE CSV). Sample HDF5 files: the hook is here, once the HDF5 store lands (see docs/eval.md).
std::vector<Structure> load_structures(const std::string& path);

// As load_structures, but a CDVAE CSV row whose CIF cannot be read (generated samples often have
// two atoms on one site) becomes an empty Structure and its reason in `errors[i]` instead of
// failing the whole file; other formats are read whole. errors.size() == structures.size().
struct LoadedStructures {
    std::vector<Structure> structures;
    std::vector<std::string> errors;  // "" = read fine
    std::size_t failed() const;
};
LoadedStructures load_structures_tolerant(const std::string& path);

// Reference SMILES for molecule novelty, as novelty keys (see molecule_novelty_key): a .smi /
// .txt file (first token per line), a .csv / .csv.gz with a `smiles` column, or any structure
// file (its molecules go through the same Open Babel -> RDKit pipeline; `threads` workers).
std::unordered_set<std::string> load_reference_smiles(const std::string& path, int threads);

}  // namespace adit::cli
