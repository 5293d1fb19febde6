// `adit eval crystals`: the CDVAE / DiffCSP / ADiT protocol. Per structure: structural and
// SMACT compositional validity (crystal_validity.hpp), space group (through a callback, spglib
// in the CLI). Over the set: validity rates; uniqueness = groups of mutually matching valid
// structures / valid (pymatgen group_structures semantics); novelty = group representatives
// matching no reference structure / groups (ADiT's definition); Wasserstein distances of density
// and #elements between valid samples and the reference, and coverage recall / precision
// (coverage.hpp, a documented substitute for CDVAE's fingerprints). Matching uses structure_matcher.hpp
// with composition + primitive-size bucketing (only structures with equal reduced formula and
// equal primitive-cell size can match, so the buckets change no verdict).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "adit/metrics/coverage.hpp"
#include "adit/metrics/structure_matcher.hpp"

namespace adit::metrics {

struct CrystalEvalOptions {
    int threads = 0;
    // ADiT's CrystalGenerationEvaluator uses StructureMatcher(stol=0.5, angle_tol=10, ltol=0.3)
    // for uniqueness and novelty; that is our default here (pymatgen's defaults stay for
    // `adit match`).
    MatcherOptions matcher{0.3, 0.5, 10.0, true, true};
    const std::vector<Structure>* reference = nullptr;  // novelty and distribution metrics
    // Space-group number of a structure (0 = unknown); throws for a failure. Optional.
    std::function<int(const Structure&)> space_group;
    CoverageOptions coverage;  // cutoffs for coverage recall / precision (threads taken from above)
};

struct CrystalRecord {
    bool struct_valid = false, comp_valid = false, valid = false;
    bool unique = false;             // first of its group (valid only)
    std::optional<bool> novel;       // for group representatives when a reference is given
    int space_group = 0;             // 0 = not computed / failed
    double density = 0;              // g/cm^3
    int num_elements = 0;
    std::string reason;              // why invalid
};

struct CrystalSummary {
    std::size_t count = 0, struct_valid = 0, comp_valid = 0, valid = 0, unique = 0, novel = 0;
    bool novelty_computed = false;
    std::optional<double> wdist_density, wdist_num_elements;
    // COV-R / COV-P with coverage.hpp's substitute fingerprints (valid samples vs the reference;
    // precision divided by all samples, as CDVAE).
    std::optional<double> coverage_recall, coverage_precision;
    std::vector<std::pair<int, std::size_t>> space_groups;  // (number, count), sorted by number
    std::size_t reference_count = 0;
    double fraction(std::size_t k, std::size_t of) const { return of ? double(k) / of : 0.0; }
};

struct CrystalEvaluation {
    std::vector<CrystalRecord> records;
    CrystalSummary summary;
};

CrystalEvaluation evaluate_crystals(const std::vector<Structure>& crystals, const CrystalEvalOptions& options = {},
                                    const ProgressCallback& progress = {});

// Greedy grouping as pymatgen's StructureMatcher.group_structures: returns, for each input, the
// index of its group's representative (the first member), matching within buckets only.
std::vector<std::size_t> group_structures(const std::vector<ReducedStructure>& reduced, const MatcherOptions& options,
                                          int threads);

}  // namespace adit::metrics
