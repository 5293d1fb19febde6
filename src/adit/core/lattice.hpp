// A periodic cell: rows of `vectors` are the lattice vectors a, b, c in Å (the convention of
// ASE, pymatgen and spglib's transposed input). Fractional coordinates f give Cartesian
// r = f · vectors.
#pragma once

#include <Eigen/Dense>

namespace adit {

struct LatticeParameters {
    double a = 0, b = 0, c = 0;              // Å
    double alpha = 0, beta = 0, gamma = 0;   // degrees
};

class Lattice {
public:
    Lattice() : vectors_(Eigen::Matrix3d::Zero()) {}
    explicit Lattice(const Eigen::Matrix3d& rows_are_vectors);

    const Eigen::Matrix3d& vectors() const { return vectors_; }
    LatticeParameters parameters() const;
    double volume() const;  // Å^3, always positive
    bool is_singular(double min_volume = 1e-8) const;

    Eigen::Vector3d to_cartesian(const Eigen::Vector3d& frac) const;
    Eigen::Vector3d to_fractional(const Eigen::Vector3d& cart) const;

    // Shortest periodic image of the Cartesian difference vector d (Å). Exact for any cell:
    // the search over neighbouring images is done on the LLL-reduced basis.
    Eigen::Vector3d minimum_image(const Eigen::Vector3d& d) const;
    double minimum_image_distance(const Eigen::Vector3d& r1, const Eigen::Vector3d& r2) const;

    // An equivalent basis with short, nearly orthogonal vectors (LLL, delta = 0.75).
    Lattice lll_reduced() const;

private:
    Eigen::Matrix3d vectors_;
    Eigen::Matrix3d inverse_;
};

// Builds the cell in pymatgen's orientation (Lattice.from_parameters): c along z, a in the xz plane.
Lattice lattice_from_parameters(const LatticeParameters& p);

}  // namespace adit
