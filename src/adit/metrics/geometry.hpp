// Molecule3D geometry metrics (Xu et al. 2021, arXiv 2110.01717): how far a predicted 3D
// geometry is from a reference (DFT) geometry of the same molecule, atoms in the same order,
// hydrogens included. All values in Å.
//   D-MAE  = mean over atom pairs i<j of |d_pred(i,j) - d_ref(i,j)|
//   D-RMSE = sqrt(mean over atom pairs i<j of (d_pred(i,j) - d_ref(i,j))^2)
//   C-RMSD = RMSD over atoms after the optimal rigid superposition (Kabsch, no reflection,
//            no mass weighting) of the prediction onto the reference.
// Dataset values are means of the per-molecule values (as in GTMGC and later work); the
// pair-pooled variant of the MoleculeX code (all pairs of all molecules in one mean) is also
// reported.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

struct GeometryErrors {
    double d_mae = 0;   // Å
    double d_rmse = 0;  // Å
    double c_rmsd = 0;  // Å
    std::size_t pairs = 0;
};

// Per-molecule errors; the two position lists must have the same length (throws adit::Error).
// One atom: distances are empty (D-MAE = D-RMSE = 0) and C-RMSD is 0.
GeometryErrors geometry_errors(const std::vector<Eigen::Vector3d>& predicted,
                               const std::vector<Eigen::Vector3d>& reference);

// RMSD (Å) of `mobile` onto `target` after optimal rotation + translation (Kabsch).
double kabsch_rmsd(const std::vector<Eigen::Vector3d>& mobile, const std::vector<Eigen::Vector3d>& target);

struct GeometrySummary {
    std::size_t n = 0;          // molecules compared
    double d_mae = 0;           // mean over molecules, Å
    double d_rmse = 0;          // mean over molecules, Å
    double c_rmsd = 0;          // mean over molecules, Å
    double d_mae_pooled = 0;    // over all pairs of all molecules (MoleculeX's eval3d), Å
    double d_rmse_pooled = 0;   // sqrt of the mean squared error over all pairs, Å
    std::vector<GeometryErrors> per_molecule;
};

// Compares records paired in order. Throws adit::Error when the record counts differ or a pair
// disagrees in atom count or in any atomic number (naming the 1-based record).
GeometrySummary compare_geometries(const std::vector<Structure>& predicted, const std::vector<Structure>& reference);

}  // namespace adit::metrics
