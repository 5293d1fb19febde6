#include "adit/interop/symmetry.hpp"

extern "C" {
#include <spglib.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <numeric>
#include <tuple>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/cif.hpp"

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
    // Atom order matters to spglib at tolerance edges: the CIF reader keeps pymatgen's order.
    return dataset_of(s.lattice->vectors(), s.fractional_positions(), s.numbers, tol, s.id);
}

}  // namespace

SpaceGroup find_space_group(const Structure& crystal, const SymmetryTolerance& tolerance) {
    const Dataset d = dataset_of(crystal, tolerance);
    return {d->spacegroup_number, d->international_symbol};
}

SymmetrizedCrystal symmetrize(const Structure& crystal, const SymmetryTolerance& tolerance) {
    const Dataset d = dataset_of(crystal, tolerance);
    // The refined cell (pymatgen's get_refined_structure): spglib's standardized lattice.
    Eigen::Matrix3d std_rows;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) std_rows(j, i) = d->std_lattice[i][j];
    const Lattice lattice(std_rows);
    const int n = d->n_std_atoms;
    std::vector<Eigen::Vector3d> frac(n);
    const std::vector<int> types(d->std_types, d->std_types + n);
    for (int k = 0; k < n; ++k) frac[k] = {d->std_positions[k][0], d->std_positions[k][1], d->std_positions[k][2]};

    // The exact operators of the space group in this setting, centring translations included.
    // (Operators found from the positions themselves, as pymatgen does, carry the noise of the
    // input in their translations: x+49/97 for a distorted CsCl.)
    int rotations[192][3][3];
    double translations[192][3];
    const int n_ops = spg_get_symmetry_from_database(rotations, translations, d->hall_number);
    if (n_ops <= 0) fail("structure '{}': spglib has no operators for Hall number {}", crystal.id, d->hall_number);
    SymmetrizedCrystal out;
    out.id = crystal.id;
    out.properties = crystal.properties;
    out.lattice = lattice;
    out.space_group_number = d->spacegroup_number;
    out.space_group_symbol = d->international_symbol;
    for (int g = 0; g < n_ops; ++g) {
        SymmetryOperation op;
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) op.rotation(i, j) = rotations[g][i][j];
            op.translation[i] = translations[g][i];
        }
        out.operations.push_back(op);
    }

    // Idealize: every atom becomes the average of the pre-images of its images under all
    // operators, which removes the distortion and any origin offset that the operators forbid.
    // image_of[g][k] is the atom that operator g maps atom k onto.
    std::vector<std::vector<int>> image_of(n_ops, std::vector<int>(n));
    std::vector<Eigen::Vector3d> ideal(n, Eigen::Vector3d::Zero());
    for (int g = 0; g < n_ops; ++g) {
        const SymmetryOperation& op = out.operations[g];
        const Eigen::Matrix3d r = op.rotation.cast<double>();
        const Eigen::Matrix3d r_inv = r.inverse();
        for (int k = 0; k < n; ++k) {
            const Eigen::Vector3d y = r * frac[k] + op.translation;
            int best = -1;
            double best_distance = 0;
            Eigen::Vector3d best_shift;
            for (int j = 0; j < n; ++j) {
                if (types[j] != types[k]) continue;
                Eigen::Vector3d delta = frac[j] - y;
                for (int c = 0; c < 3; ++c) delta[c] -= std::round(delta[c]);
                const double distance = lattice.to_cartesian(delta).norm();
                if (best < 0 || distance < best_distance) {
                    best = j;
                    best_distance = distance;
                    best_shift = y + delta - frac[j];  // integer vector: x_j + shift is y's image
                }
            }
            if (best < 0 || best_distance > 3 * tolerance.symprec)
                fail("structure '{}': atom {} has no image under operator {} of {} within {} Å", crystal.id, k + 1,
                     format_symmetry_operation(op), d->international_symbol, 3 * tolerance.symprec);
            image_of[g][k] = best;
            ideal[k] += r_inv * (frac[best] + best_shift - op.translation);
        }
    }
    for (int k = 0; k < n; ++k) {
        ideal[k] /= n_ops;
        for (int c = 0; c < 3; ++c) ideal[k][c] -= std::floor(ideal[k][c]);
    }

    // Orbits: atoms joined by some operator. Per orbit, pymatgen's representative and order.
    std::vector<int> orbit(n, -1);
    std::vector<int> multiplicity;
    for (int k = 0; k < n; ++k) {
        if (orbit[k] >= 0) continue;
        const int id = static_cast<int>(multiplicity.size());
        multiplicity.push_back(0);
        for (int g = 0; g < n_ops; ++g)
            if (orbit[image_of[g][k]] < 0) {
                orbit[image_of[g][k]] = id;
                ++multiplicity[id];
            }
    }
    auto abs_key = [&](int k) {
        return std::make_tuple(std::abs(ideal[k].x()), std::abs(ideal[k].y()), std::abs(ideal[k].z()));
    };
    std::vector<int> representative(multiplicity.size(), -1);
    for (int k = 0; k < n; ++k) {
        int& r = representative[orbit[k]];
        if (r < 0 || abs_key(k) < abs_key(r)) r = k;
    }
    for (std::size_t o = 0; o < multiplicity.size(); ++o)
        out.sites.push_back({types[representative[o]], ideal[representative[o]], multiplicity[o]});
    std::sort(out.sites.begin(), out.sites.end(), [](const auto& a, const auto& b) {
        return std::make_tuple(element(a.number).electronegativity, -a.multiplicity, a.fractional.x(), a.fractional.y(),
                               a.fractional.z()) < std::make_tuple(element(b.number).electronegativity, -b.multiplicity,
                                                                   b.fractional.x(), b.fractional.y(), b.fractional.z());
    });
    return out;
}

namespace {

// "P 63/m m c" and "P6_3/mmc" both become "p63/mmc".
std::string compact_symbol(const std::string& symbol) {
    std::string out;
    for (char ch : symbol)
        if (ch != ' ' && ch != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::vector<SymmetryOperation> operations_of_hall(int hall_number) {
    int rotations[192][3][3];
    double translations[192][3];
    const int n = spg_get_symmetry_from_database(rotations, translations, hall_number);
    std::vector<SymmetryOperation> ops(std::max(n, 0));
    for (int g = 0; g < n; ++g)
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) ops[g].rotation(i, j) = rotations[g][i][j];
            ops[g].translation[i] = translations[g][i];
        }
    return ops;
}

bool same_operations(const std::vector<SymmetryOperation>& a, const std::vector<SymmetryOperation>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& x : a) {
        bool found = false;
        for (const auto& y : b) {
            Eigen::Vector3d d = x.translation - y.translation;
            for (int i = 0; i < 3; ++i) d[i] -= std::round(d[i]);
            found = found || (x.rotation == y.rotation && d.norm() < 1e-9);
        }
        if (!found) return false;
    }
    return true;
}

}  // namespace

std::vector<SymmetryOperation> space_group_operations(const std::string& symbol, int number) {
    // A setting suffix: ":1"/":2" (origin choice), ":H"/":R", or ICSD's trailing "S"/"Z" (origin
    // choice 1/2) and "H"/"R".
    std::string name = symbol, choice;
    if (const auto colon = name.find(':'); colon != std::string::npos) {
        choice = compact_symbol(name.substr(colon + 1));
        name = name.substr(0, colon);
    } else {
        const auto words = split_whitespace(name);
        if (words.size() > 1 && words.back().size() == 1 && std::string("SZHR").find(words.back()[0]) != std::string::npos) {
            choice = words.back() == "S" ? "1" : words.back() == "Z" ? "2" : to_lower(words.back());
            name = name.substr(0, name.rfind(words.back()));
        }
    }
    const std::string wanted = compact_symbol(name);
    std::vector<int> candidates;
    for (int hall = 1; hall <= 530; ++hall) {
        const SpglibSpacegroupType t = spg_get_spacegroup_type(hall);
        const bool name_matches = !wanted.empty() && compact_symbol(t.international_short) == wanted;
        const bool number_matches = wanted.empty() && number > 0 && t.number == number;
        if (!name_matches && !number_matches) continue;
        if (number > 0 && t.number != number) continue;
        if (!choice.empty() && to_lower(t.choice).find(choice) == std::string::npos) continue;
        candidates.push_back(hall);
    }
    if (candidates.empty()) return {};
    std::vector<SymmetryOperation> ops = operations_of_hall(candidates.front());
    for (int hall : candidates)
        if (!same_operations(ops, operations_of_hall(hall))) return {};  // ambiguous setting
    return ops;
}

}  // namespace adit
