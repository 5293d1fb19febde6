#include "adit/interop/etkdg.hpp"

#include <GraphMol/Conformer.h>
#include <GraphMol/MolOps.h>

#include "adit/core/error.hpp"
#include "adit/interop/conformer_embedding.hpp"
#include "adit/interop/rdkit_common.hpp"

namespace adit::interop {

namespace {

void optimize_mmff(RDKit::RWMol& mol, const std::string& smiles, int iterations) {
    if (detail::mmff_optimize_molecule(mol, iterations) < 0) fail("MMFF94 has no parameters for '{}'", smiles);
}

}  // namespace

Structure etkdg_conformer(const std::string& smiles, const EtkdgOptions& options) {
    // The one embedding implementation (conformer_embedding.cpp), so `adit conformer --method
    // etkdg` and `adit prepare --geometry etkdg-mmff` give the same coordinates for a seed.
    EmbedOptions eo;
    eo.optimize = options.mmff;
    eo.mmff_max_iterations = options.mmff_iterations;
    eo.etkdg_iterations = options.etkdg_iterations;
    eo.random_coords_retry = options.random_coords_retry;
    eo.openbabel_fallback = options.openbabel_fallback;
    EmbedOutcome outcome;
    Structure s = embed_smiles(smiles, options.seed, eo, &outcome);
    if (options.mmff && outcome.geometry != outcome.method + "-mmff") fail("MMFF94 has no parameters for '{}'", smiles);
    s.properties.set("smiles", smiles);
    s.properties.set("geometry", outcome.geometry);
    return s;
}

std::vector<Eigen::Vector3d> mmff_optimize(const std::string& smiles, const std::vector<Eigen::Vector3d>& positions,
                                           int iterations) {
    auto mol = detail::molecule_from_smiles(smiles);
    if (positions.size() != mol->getNumAtoms())
        fail("mmff_optimize: {} positions for {} atoms of '{}'", positions.size(), mol->getNumAtoms(), smiles);
    auto* conf = new RDKit::Conformer(mol->getNumAtoms());
    for (std::size_t i = 0; i < positions.size(); ++i)
        conf->setAtomPos(static_cast<unsigned>(i), RDGeom::Point3D(positions[i].x(), positions[i].y(), positions[i].z()));
    conf->set3D(true);
    mol->addConformer(conf, true);
    optimize_mmff(*mol, smiles, iterations);
    std::vector<Eigen::Vector3d> out;
    for (std::size_t i = 0; i < positions.size(); ++i) {
        const RDGeom::Point3D& p = mol->getConformer().getAtomPos(static_cast<unsigned>(i));
        out.emplace_back(p.x, p.y, p.z);
    }
    return out;
}

bool match_stereo_handedness(const std::string& smiles, std::vector<Eigen::Vector3d>& positions) {
    auto wanted = detail::molecule_from_smiles(smiles);
    if (positions.size() != wanted->getNumAtoms())
        fail("match_stereo_handedness: {} positions for {} atoms of '{}'", positions.size(), wanted->getNumAtoms(),
             smiles);
    RDKit::MolOps::assignStereochemistry(*wanted, true, true);
    RDKit::RWMol perceived(*wanted);
    auto* conf = new RDKit::Conformer(perceived.getNumAtoms());
    for (std::size_t i = 0; i < positions.size(); ++i)
        conf->setAtomPos(static_cast<unsigned>(i), RDGeom::Point3D(positions[i].x(), positions[i].y(), positions[i].z()));
    conf->set3D(true);
    perceived.addConformer(conf, true);
    RDKit::MolOps::assignStereochemistryFrom3D(perceived);
    int agree = 0, disagree = 0;
    for (const RDKit::Atom* a : wanted->atoms()) {
        if (a->getChiralTag() == RDKit::Atom::CHI_UNSPECIFIED) continue;  // only centres the SMILES specifies
        std::string want, got;
        if (!a->getPropIfPresent(RDKit::common_properties::_CIPCode, want)) continue;
        if (!perceived.getAtomWithIdx(a->getIdx())->getPropIfPresent(RDKit::common_properties::_CIPCode, got)) continue;
        (want == got ? agree : disagree) += 1;
    }
    if (disagree <= agree) return false;
    for (auto& p : positions) p.z() = -p.z();
    return true;
}

}  // namespace adit::interop
