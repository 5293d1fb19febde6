// A native crystal structure matcher that follows pymatgen's StructureMatcher
// (pymatgen.analysis.structure_matcher, v2022.11; Ong et al., Comput. Mater. Sci. 68, 314 (2013))
// step by step: both structures are Niggli-reduced (Grosse-Kunstleve et al. 2004, pymatgen's
// tolerances) and reduced to a primitive cell with pymatgen's get_primitive_structure algorithm
// (tolerance 0.25 Å), volumes are scaled to their geometric mean, every lattice of structure 1
// whose vectors match structure 2's lengths (ltol) and angles (angle_tol) is tried, every
// translation that superposes the rarest species is tried, sites are assigned by a minimum-cost
// assignment on periodic distances, and a match needs every site within stol x (V/N)^(1/3).
// Species must match exactly (pymatgen's SpeciesComparator); no supercells (attempt_supercell
// false) and no subsets, as pymatgen's defaults.
#pragma once

#include <Eigen/Dense>

#include <optional>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

struct MatcherOptions {
    double ltol = 0.2;         // fractional length tolerance
    double stol = 0.3;         // site tolerance, fraction of (V / N)^(1/3)
    double angle_tol = 5.0;    // degrees
    bool primitive_cell = true;
    bool scale = true;
};

// A structure after the matcher's reduction (Niggli + primitive), kept so that comparing one
// structure with many (uniqueness, novelty) reduces it once, as pymatgen's group_structures and
// fit(skip_structure_reduction=True) do.
struct ReducedStructure {
    Eigen::Matrix3d lattice = Eigen::Matrix3d::Zero();  // rows a, b, c (Å)
    std::vector<Eigen::Vector3d> frac;                   // fractional coordinates
    std::vector<int> species;                            // atomic numbers
    std::string reduced_formula;                         // composition key (gcd-reduced counts)
    std::size_t size() const { return species.size(); }
};

// Throws adit::Error when the structure has no lattice or a singular one.
ReducedStructure reduce_for_matching(const Structure& s, const MatcherOptions& options = {});

struct MatchResult {
    bool match = false;            // pymatgen StructureMatcher.fit
    std::optional<double> rms;     // pymatgen get_rms_dist()[0] (normalised); nullopt = None
    std::optional<double> max_dist;// get_rms_dist()[1]
};

// fit() and get_rms_dist() in one search. With `rms_wanted` false it stops at the first
// match (fit only) and leaves rms empty.
MatchResult match_structures(const ReducedStructure& a, const ReducedStructure& b, const MatcherOptions& options = {},
                             bool rms_wanted = true);
MatchResult match_structures(const Structure& a, const Structure& b, const MatcherOptions& options = {});

// Building blocks, exposed for tests.
Eigen::Matrix3d niggli_reduce(const Eigen::Matrix3d& lattice, double tol = 1e-5);
// Composition key: elements sorted by Z with gcd-reduced counts, e.g. "8:1 26:2"... stable
// and cheap; equal keys <=> pymatgen's reduced formulas are equal.
std::string reduced_composition_key(const std::vector<int>& species);
// Minimum-cost perfect assignment of a square cost matrix (Hungarian algorithm);
// returns column of each row.
std::vector<int> linear_assignment(const Eigen::MatrixXd& cost);
// The LAPJV solver the matcher uses, in pymatgen's variant (LinearAssignment, eps 1e-13), so that
// ties and 1e20 "forbidden" costs resolve exactly as pymatgen resolves them.
std::vector<int> lapjv_assignment(const Eigen::MatrixXd& cost, double eps = 1e-13);

}  // namespace adit::metrics
