#include "adit/interop/molecule_validity.hpp"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RDKitBase.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <exception>
#include <memory>
#include <mutex>

#include "adit/core/elements.hpp"
#include "adit/interop/openbabel_bonds.hpp"

namespace adit::interop {
namespace {

void quiet_rdkit() {
    static std::once_flag once;
    std::call_once(once, [] { boost::logging::disable_logs("rdApp.*"); });
}

int fragments_of(const Structure& s, const std::vector<Bond>& bonds) {
    std::vector<int> parent(s.size());
    for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<int>(i);
    auto find = [&](int x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    int count = static_cast<int>(s.size());
    for (const Bond& b : bonds) {
        int a = find(b.i), c = find(b.j);
        if (a != c) {
            parent[a] = c;
            --count;
        }
    }
    return count;
}

int order_of(const RDKit::Bond* b) {
    switch (b->getBondType()) {
        case RDKit::Bond::DOUBLE: return 2;
        case RDKit::Bond::TRIPLE: return 3;
        case RDKit::Bond::AROMATIC: return 4;
        default: return 1;
    }
}

}  // namespace

MoleculeVerdict check_molecule(const Structure& s, const MoleculeValidityOptions& options) {
    quiet_rdkit();
    MoleculeVerdict v;
    if (s.size() == 0) {
        v.reason = "no atoms";
        return v;
    }
    for (int z : s.numbers)
        if (!is_known_element(z)) {
            v.reason = "unknown element";
            return v;
        }
    // A structure without bonds (an SDF written without them) is perceived even with --use-bonds.
    const bool given = options.use_given_bonds && !s.bonds.empty();
    std::string pdb;
    try {
        pdb = openbabel_pdb_block(s, given);
    } catch (const std::exception& e) {
        v.reason = std::string("Open Babel: ") + e.what();
        return v;
    }
    std::unique_ptr<RDKit::RWMol> mol;
    try {
        // As Chem.MolFromPDBBlock(removeHs=False): sanitize, flavor 0, proximity bonding on.
        mol.reset(RDKit::PDBBlockToMol(pdb, /*sanitize=*/true, options.remove_hydrogens, 0, true));
    } catch (const std::exception& e) {
        v.reason = e.what();
    } catch (...) {
        v.reason = "RDKit failed to read the molecule";
    }
    if (!mol) {
        if (v.reason.empty()) v.reason = "RDKit returned no molecule";
        // Connectivity of an invalid molecule: from Open Babel's perceived bonds.
        try {
            v.num_fragments = fragments_of(s, given ? s.bonds : perceive_bonds_openbabel(s));
        } catch (...) {
            v.num_fragments = 0;
        }
        return v;
    }
    try {
        for (const RDKit::Bond* b : mol->bonds())
            v.bonds.push_back({static_cast<int>(b->getBeginAtomIdx()), static_cast<int>(b->getEndAtomIdx()), order_of(b)});
        auto frags = RDKit::MolOps::getMolFrags(*mol, /*sanitizeFrags=*/true);
        v.num_fragments = static_cast<int>(frags.size());
        const RDKit::ROMol* largest = mol.get();
        unsigned best = 0;
        for (const auto& f : frags)
            if (f->getNumAtoms() > best) {  // the first of equal size wins, as Python's max()
                best = f->getNumAtoms();
                largest = f.get();
            }
        v.smiles = RDKit::MolToSmiles(*largest, /*doIsomericSmiles=*/true);
        v.valid = true;
    } catch (const std::exception& e) {
        v.valid = false;
        v.smiles.clear();
        v.reason = e.what();
    }
    return v;
}

std::string canonical_smiles(const std::string& smiles) {
    quiet_rdkit();
    try {
        std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles));
        if (!m) return {};
        return RDKit::MolToSmiles(*m, true);
    } catch (...) {
        return {};
    }
}

std::string molecule_novelty_key(const std::string& smiles) {
    quiet_rdkit();
    try {
        std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles));
        if (!m) return {};
        RDKit::MolOps::removeHs(*m);
        return RDKit::MolToSmiles(*m, /*doIsomericSmiles=*/false);
    } catch (...) {
        return {};
    }
}

}  // namespace adit::interop
