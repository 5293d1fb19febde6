// PoseBusters-style geometry checks (Buttenschoen et al., Chem. Sci. 15, 3130 (2024)) on a
// molecule with known bonds. PoseBusters compares with RDKit distance-geometry bounds; we use
// documented, simpler references so that the checks need no force field:
//  - bond lengths: every bond within [0.75, 1.25] x the sum of the two covalent radii
//    (Cordero et al. 2008), PoseBusters' own 25 % tolerance;
//  - bond angles: every angle between two bonds of one atom >= 45 degrees (3-rings have ~60);
//  - steric clash: two atoms neither bonded nor sharing a neighbour that are closer than
//    0.75 x (r_i + r_j + 1.0 Å), r the covalent radii (a stand-in for PoseBusters' 0.75 x the
//    distance-geometry lower bound; H...H at 1.2 Å and C...C at 1.9 Å are clashes).
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::metrics {

struct GeometryChecks {
    bool bond_lengths = true;
    bool bond_angles = true;
    bool no_clash = true;
    std::string first_problem;  // a human-readable note on the first failure
};

GeometryChecks check_geometry(const Structure& s, const std::vector<Bond>& bonds);

}  // namespace adit::metrics
