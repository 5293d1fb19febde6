// A grid of 2D depictions (RDKit MolDraw2DSVG) of molecules given as 3D structures: bonds come
// from the same Open Babel perception as the validity check (openbabel_bonds.hpp), hydrogens
// are hidden, 2D coordinates come from RDKit's depictor, and each panel gets a caption.
#pragma once

#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit::interop {

struct GridOptions {
    int columns = 6;
    int panel_width = 250;   // pixels
    int panel_height = 220;  // pixels
};

// SVG text of the grid. A molecule RDKit cannot sanitize is still drawn (unsanitized) so a
// chemist can see what went wrong; one that cannot be drawn at all becomes an empty panel.
std::string draw_molecule_grid(const std::vector<Structure>& molecules, const std::vector<std::string>& captions,
                               const GridOptions& options = {});

}  // namespace adit::interop
