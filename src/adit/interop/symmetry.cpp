#include "adit/interop/symmetry.hpp"

extern "C" {
#include <spglib.h>
}

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <tuple>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"

namespace adit {

namespace {

struct DatasetDeleter {
    void operator()(SpglibDataset* d) const { spg_free_dataset(d); }
};
using Dataset = std::unique_ptr<SpglibDataset, DatasetDeleter>;

// spglib wants the lattice vectors as columns and fractional positions.
Dataset dataset_of(const Eigen::Matrix3d& rows_are_vectors, const std::vector<Eigen::Vector3d>& frac,
                   const std::vector<int>& types, const SymmetryTolerance& tol, const std::string& id) {
    double lattice[3][3];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) lattice[i][j] = rows_are_vectors(j, i);
    std::vector<double> positions(frac.size() * 3);
    for (std::size_t k = 0; k < frac.size(); ++k)
        for (int i = 0; i < 3; ++i) positions[3 * k + i] = frac[k][i];
    Dataset d(spgat_get_dataset(lattice, reinterpret_cast<double(*)[3]>(positions.data()), types.data(),
                                static_cast<int>(types.size()), tol.symprec, tol.angle_tolerance));
    if (!d || d->spacegroup_number == 0)
        fail("structure '{}': spglib found no space group at symprec {} Å, angle tolerance {}°: {}", id, tol.symprec,
             tol.angle_tolerance, spg_get_error_message(spg_get_error_code()));
    return d;
}

Dataset dataset_of(const Structure& s, const SymmetryTolerance& tol) {
    if (!s.lattice) fail("structure '{}' has no lattice, so no space group", s.id);
    if (s.size() == 0) fail("structure '{}' has no atoms, so no space group", s.id);
    return dataset_of(s.lattice->vectors(), s.fractional_positions(), s.numbers, tol, s.id);
}

}  // namespace

SpaceGroup find_space_group(const Structure& crystal, const SymmetryTolerance& tolerance) {
    const Dataset d = dataset_of(crystal, tolerance);
    return {d->spacegroup_number, d->international_symbol};
}

SymmetrizedCrystal symmetrize(const Structure& crystal, const SymmetryTolerance& tolerance) {
    const Dataset d = dataset_of(crystal, tolerance);
    // The refined cell (pymatgen's get_refined_structure): spglib's standardized lattice (columns).
    Eigen::Matrix3d std_rows;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) std_rows(j, i) = d->std_lattice[i][j];
    std::vector<Eigen::Vector3d> std_frac(d->n_std_atoms);
    std::vector<int> std_types(d->std_types, d->std_types + d->n_std_atoms);
    for (int k = 0; k < d->n_std_atoms; ++k) {
        std_frac[k] = {d->std_positions[k][0], d->std_positions[k][1], d->std_positions[k][2]};
        for (int i = 0; i < 3; ++i) std_frac[k][i] -= std::floor(std_frac[k][i]);
    }
    // pymatgen analyses the refined cell again (angle tolerance 5°) for its operations and orbits.
    const Dataset refined = dataset_of(std_rows, std_frac, std_types, {tolerance.symprec, 5.0}, crystal.id);

    SymmetrizedCrystal out;
    out.id = crystal.id;
    out.lattice = Lattice(std_rows);
    out.space_group_number = d->spacegroup_number;
    out.space_group_symbol = d->international_symbol;
    for (int k = 0; k < refined->n_operations; ++k) {
        SymmetryOperation op;
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) op.rotation(i, j) = refined->rotations[k][i][j];
            op.translation[i] = refined->translations[k][i];
        }
        out.operations.push_back(op);
    }
    std::vector<int> representative(d->n_std_atoms, -1), multiplicity(d->n_std_atoms, 0);
    auto abs_key = [&](int k) { return std::make_tuple(std::abs(std_frac[k].x()), std::abs(std_frac[k].y()), std::abs(std_frac[k].z())); };
    for (int k = 0; k < d->n_std_atoms; ++k) {
        const int orbit = refined->equivalent_atoms[k];
        ++multiplicity[orbit];
        if (representative[orbit] < 0 || abs_key(k) < abs_key(representative[orbit])) representative[orbit] = k;
    }
    for (int orbit = 0; orbit < d->n_std_atoms; ++orbit) {
        if (multiplicity[orbit] == 0) continue;
        const int k = representative[orbit];
        out.sites.push_back({std_types[k], std_frac[k], multiplicity[orbit]});
    }
    std::sort(out.sites.begin(), out.sites.end(), [](const auto& a, const auto& b) {
        return std::make_tuple(element(a.number).electronegativity, -a.multiplicity, a.fractional.x(), a.fractional.y(),
                               a.fractional.z()) < std::make_tuple(element(b.number).electronegativity, -b.multiplicity,
                                                                   b.fractional.x(), b.fractional.y(), b.fractional.z());
    });
    return out;
}

}  // namespace adit
