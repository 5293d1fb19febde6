#include "adit/interop/depiction.hpp"

#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolDraw2D/MolDraw2DSVG.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RDKitBase.h>

#include <algorithm>
#include <memory>

#include "adit/core/error.hpp"
#include "adit/interop/openbabel_bonds.hpp"

namespace adit::interop {
namespace {

std::unique_ptr<RDKit::RWMol> drawable(const Structure& s) {
    const std::string pdb = openbabel_pdb_block(s);
    std::unique_ptr<RDKit::RWMol> mol;
    try {
        mol.reset(RDKit::PDBBlockToMol(pdb, true, false));
    } catch (...) {
        mol.reset();
    }
    if (!mol) {  // invalid: draw what Open Babel perceived, unsanitized
        mol.reset(RDKit::PDBBlockToMol(pdb, false, false));
        if (!mol) return nullptr;
        mol->updatePropertyCache(false);
        RDKit::MolOps::symmetrizeSSSR(*mol);
    }
    try {
        RDKit::MolOps::removeHs(*mol, /*implicitOnly=*/false, /*updateExplicitCount=*/false, /*sanitize=*/false);
    } catch (...) {
    }
    mol->clearConformers();
    RDDepict::compute2DCoords(*mol);
    return mol;
}

}  // namespace

std::string draw_molecule_grid(const std::vector<Structure>& molecules, const std::vector<std::string>& captions,
                               const GridOptions& options) {
    if (molecules.empty()) fail("no molecules to draw");
    const int cols = std::max(1, std::min<int>(options.columns, static_cast<int>(molecules.size())));
    const int rows = static_cast<int>((molecules.size() + cols - 1) / cols);
    std::vector<std::unique_ptr<RDKit::RWMol>> owned;
    std::vector<RDKit::ROMol*> mols;
    std::vector<std::string> legends;
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        std::unique_ptr<RDKit::RWMol> m;
        try {
            m = drawable(molecules[i]);
        } catch (...) {
            m.reset();
        }
        if (!m) m = std::make_unique<RDKit::RWMol>();
        mols.push_back(m.get());
        owned.push_back(std::move(m));
        legends.push_back(i < captions.size() ? captions[i] : std::string());
    }
    RDKit::MolDraw2DSVG drawer(cols * options.panel_width, rows * options.panel_height, options.panel_width,
                               options.panel_height);
    drawer.drawOptions().legendFontSize = 14;
    drawer.drawOptions().prepareMolsBeforeDrawing = false;
    drawer.drawMolecules(mols, &legends);
    drawer.finishDrawing();
    return drawer.getDrawingText();
}

}  // namespace adit::interop
