// 3D geometries from SMILES with RDKit: ETKDGv3 distance-geometry embedding (Wang et al.,
// J. Chem. Inf. Model. 2020) then MMFF94 optimisation, explicit hydrogens. This is how QM9
// proxy geometries are made for molecules whose DFT geometry we lack; anything built from them
// must say "ETKDG+MMFF proxy geometries". Multi-threaded over molecules, and reproducible:
// molecule i is embedded with a seed derived from (seed, i), whatever the thread count.
// The one embedding implementation of adit: `adit prepare --geometry etkdg-mmff` and
// `adit conformer --method etkdg` (interop/etkdg.hpp) both come here.
//
// The ladder (measured on QM9, docs/BENCHMARKS.md "## data"): ETKDGv3 from RDKit's eigenvector
// start, then from random coordinates, each with a bounded number of tries; RDKit 2022.09's
// embedder rejects every try for strained bridged cages (its tetrahedral-centre check fails on
// bicyclo[1.1.1]/[2.1.1]/[1.1.0] bridgeheads, ~7% of QM9) and burning its default 10 x atoms tries
// on them used to dominate the CPU time. Those molecules start instead from Open Babel's 3D
// builder (ring-fragment templates), then go through the same MMFF94 optimisation; their origin
// label is "openbabel-mmff", per structure. (Those Open Babel starts are not bit-reproducible
// across runs; the ETKDG ones are.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"

namespace adit {

struct EmbedOptions {
    std::uint64_t seed = 0;
    int threads = 0;                 // 0 = all cores
    int mmff_max_iterations = 2000;  // MMFF94 optimiser steps (RDKit's default is 200)
    bool optimize = true;            // false: ETKDG geometry only
    int etkdg_iterations = 10;       // ETKDG tries per start (0: RDKit's default, 10 x atoms)
    bool random_coords_retry = true; // a failed embedding is retried from random coordinates
    bool openbabel_fallback = true;  // then from Open Babel's 3D builder
};

// What happened to one molecule.
struct EmbedOutcome {
    bool ok = false;
    std::string canonical_smiles;  // RDKit canonical SMILES of the input (no explicit H)
    std::string method;            // the start: "etkdg" or "openbabel"
    std::string geometry;          // method + "-mmff" ("etkdg-mmff", "openbabel-mmff"), or method alone
                                   // when MMFF94 has no parameters or optimize is off
    bool mmff_converged = false;
    std::string error;             // why it failed (parse error, embedding failed, ...)
};

// Embeds one molecule; the Structure carries explicit hydrogens, bonds (1/2/3, aromatic 4,
// Kekulé form) and formal charges. Throws adit::Error if the SMILES does not parse or the
// embedding fails.
Structure embed_smiles(const std::string& smiles, std::uint64_t seed, const EmbedOptions& options = {},
                       EmbedOutcome* outcome = nullptr);

struct EmbedBatchResult {
    std::vector<Structure> structures;  // one per input; empty (no atoms) where it failed
    std::vector<EmbedOutcome> outcomes;
    std::size_t failed = 0;
    std::size_t mmff_not_converged = 0;
    std::size_t mmff_unavailable = 0;
};

// Embeds every SMILES (molecule i with seed derived from (options.seed, i)) on
// options.threads threads; failures are recorded, never thrown. `ids` (optional) names them.
EmbedBatchResult embed_smiles_batch(const std::vector<std::string>& smiles, const std::vector<std::string>& ids,
                                    const EmbedOptions& options = {}, const ProgressCallback& progress = {});

}  // namespace adit
