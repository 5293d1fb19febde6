#include "adit/interop/openbabel_pdb.hpp"

#include <openbabel/atom.h>
#include <openbabel/generic.h>
#include <openbabel/math/vector3.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>
#include <openbabel/oberror.h>

#include "adit/core/error.hpp"

namespace adit {

namespace {

OpenBabel::OBMol to_openbabel(const Structure& s) {
    OpenBabel::OBMol mol;
    mol.BeginModify();
    for (std::size_t i = 0; i < s.size(); ++i) {
        OpenBabel::OBAtom* atom = mol.NewAtom();
        atom->SetAtomicNum(s.numbers[i]);
        atom->SetVector(s.positions[i].x(), s.positions[i].y(), s.positions[i].z());
        atom->SetFormalCharge(s.charge(i));
    }
    for (const Bond& b : s.bonds)  // Open Babel counts atoms from 1; PDB CONECT has no aromatic order
        mol.AddBond(b.i + 1, b.j + 1, b.order == 4 ? 1 : b.order);
    mol.EndModify();
    mol.SetTitle(s.id.c_str());
    if (s.lattice) {
        const Eigen::Matrix3d& m = s.lattice->vectors();
        auto* cell = new OpenBabel::OBUnitCell;  // owned by mol
        cell->SetData(OpenBabel::vector3(m(0, 0), m(0, 1), m(0, 2)), OpenBabel::vector3(m(1, 0), m(1, 1), m(1, 2)),
                      OpenBabel::vector3(m(2, 0), m(2, 1), m(2, 2)));
        mol.SetData(cell);
    }
    return mol;
}

}  // namespace

void write_pdb(std::ostream& out, const std::vector<Structure>& structures) {
    OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obError);
    OpenBabel::OBConversion conv;
    if (!conv.SetOutFormat("pdb")) fail("Open Babel has no PDB writer (are its plugins installed?)");
    conv.SetOutStream(&out);
    for (std::size_t k = 0; k < structures.size(); ++k) {
        const Structure& s = structures[k];
        s.validate();
        OpenBabel::OBMol mol = to_openbabel(s);
        conv.SetLast(k + 1 == structures.size());
        if (!conv.Write(&mol, &out)) fail("Open Babel could not write structure '{}' as PDB", s.id);
    }
}

}  // namespace adit
