#include "adit/interop/openbabel_bonds.hpp"

#include <openbabel/atom.h>
#include <openbabel/bond.h>
#include <openbabel/builder.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>
#include <openbabel/oberror.h>

#include <cstdlib>
#include <mutex>

#include "adit/core/error.hpp"

namespace adit::interop {
namespace {

// Open Babel's aromaticity/atom typers and format plugins are process-wide singletons with
// mutable state: one lock for everything that touches them.
std::mutex& openbabel_mutex() {
    static std::mutex m;
    return m;
}

void quiet_openbabel() {
    static std::once_flag once;
    std::call_once(once, [] { OpenBabel::obErrorLog.StopLogging(); });
}

// Builds the OBMol the way pymatgen's BabelMolAdaptor does (atoms added one by one).
void build_obmol(const Structure& s, bool use_given_bonds, OpenBabel::OBMol& mol) {
    mol.BeginModify();
    for (std::size_t i = 0; i < s.size(); ++i) {
        OpenBabel::OBAtom* a = mol.NewAtom();
        a->SetAtomicNum(s.numbers[i]);
        a->SetVector(s.positions[i].x(), s.positions[i].y(), s.positions[i].z());
        if (use_given_bonds && !s.charges.empty()) a->SetFormalCharge(s.charges[i]);
    }
    if (use_given_bonds) {
        for (const Bond& b : s.bonds) {
            int order = b.order == 4 ? 5 : b.order;  // Open Babel marks aromatic bonds with 5
            mol.AddBond(b.i + 1, b.j + 1, order);
        }
    } else {
        mol.ConnectTheDots();
        mol.PerceiveBondOrders();
    }
    mol.SetTotalSpinMultiplicity(1);
    mol.SetTotalCharge(0);
    mol.Center();
    mol.EndModify();
}

}  // namespace

std::vector<Bond> perceive_bonds_openbabel(const Structure& s) {
    quiet_openbabel();
    std::lock_guard<std::mutex> lock(openbabel_mutex());
    OpenBabel::OBMol mol;
    build_obmol(s, false, mol);
    std::vector<Bond> bonds;
    bonds.reserve(mol.NumBonds());
    for (auto it = mol.BeginBonds(); it != mol.EndBonds(); ++it) {
        OpenBabel::OBBond* b = *it;
        int i = static_cast<int>(b->GetBeginAtomIdx()) - 1, j = static_cast<int>(b->GetEndAtomIdx()) - 1;
        if (i > j) std::swap(i, j);
        bonds.push_back({i, j, static_cast<int>(b->GetBondOrder())});
    }
    return bonds;
}

std::string openbabel_pdb_block(const Structure& s, bool use_given_bonds) {
    quiet_openbabel();
    std::lock_guard<std::mutex> lock(openbabel_mutex());
    OpenBabel::OBMol mol;
    build_obmol(s, use_given_bonds, mol);
    OpenBabel::OBConversion conv;
    if (!conv.SetOutFormat("pdb")) fail("Open Babel has no PDB writer (format plugins missing?)");
    return conv.WriteString(&mol);
}

OpenBabelBuild openbabel_build_3d(const std::string& smiles, unsigned seed) {
    quiet_openbabel();
    std::lock_guard<std::mutex> lock(openbabel_mutex());
    // OBBuilder draws from the C library's generator: seeding it (under the lock) makes repeated
    // builds agree, but the first build of a ring system in a process still differs (Open
    // Babel's internal state), so these coordinates are not reproducible across runs.
    std::srand(seed);
    srandom(seed);
    OpenBabel::OBConversion conv;
    if (!conv.SetInFormat("smi")) fail("Open Babel has no SMILES reader (format plugins missing?)");
    OpenBabel::OBMol mol;
    if (!conv.ReadString(&mol, smiles) || mol.NumAtoms() == 0) fail("Open Babel cannot read SMILES '{}'", smiles);
    mol.AddHydrogens();
    OpenBabel::OBBuilder builder;
    if (!builder.Build(mol, /*stereoWarnings=*/false)) fail("the Open Babel 3D builder failed on '{}'", smiles);
    OpenBabelBuild out;
    for (auto it = mol.BeginAtoms(); it != mol.EndAtoms(); ++it) {
        OpenBabel::OBAtom* a = *it;
        out.numbers.push_back(static_cast<int>(a->GetAtomicNum()));
        out.positions.emplace_back(a->GetX(), a->GetY(), a->GetZ());
        int parent = -1;
        if (a->GetAtomicNum() == 1 && a->GetExplicitDegree() == 1) {
            OpenBabel::OBBondIterator bi;
            if (OpenBabel::OBAtom* n = a->BeginNbrAtom(bi)) parent = static_cast<int>(n->GetIdx()) - 1;
        }
        out.parent.push_back(parent);
    }
    return out;
}

}  // namespace adit::interop

