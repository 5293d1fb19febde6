#include <catch2/catch.hpp>

#include "adit/interop/molecule_validity.hpp"
#include "adit/interop/openbabel_bonds.hpp"

using adit::Structure;
using namespace adit::interop;

namespace {
Structure molecule(std::vector<int> z, std::vector<Eigen::Vector3d> xyz) {
    Structure s;
    s.numbers = std::move(z);
    s.positions = std::move(xyz);
    return s;
}

// QM9 gdb 11 (acetaldehyde, DFT geometry from qm9_dft_12000.extxyz.gz).
Structure acetaldehyde() {
    return molecule({6, 6, 8, 1, 1, 1, 1}, {{-0.002945, 1.509914, 0.008673},
                                           {0.026083, 0.003276, -0.037459},
                                           {0.942288, -0.655070, -0.456826},
                                           {0.922788, 1.926342, -0.391466},
                                           {-0.862015, 1.878525, -0.564795},
                                           {-0.150506, 1.843934, 1.042891},
                                           {-0.894430, -0.486434, 0.369213}});
}
}  // namespace

TEST_CASE("Open Babel perceives bonds and orders from coordinates", "[openbabel]") {
    auto bonds = perceive_bonds_openbabel(acetaldehyde());
    CHECK(bonds.size() == 6);
    int double_bonds = 0;
    for (const auto& b : bonds)
        if (b.order == 2) {
            ++double_bonds;
            CHECK(b.i == 1);
            CHECK(b.j == 2);  // the C=O
        }
    CHECK(double_bonds == 1);
    std::string pdb = openbabel_pdb_block(acetaldehyde());
    CHECK(pdb.find("CONECT") != std::string::npos);
}

TEST_CASE("A sound molecule is valid with the SMILES RDKit writes", "[validity]") {
    MoleculeVerdict v = check_molecule(acetaldehyde());
    CHECK(v.valid);
    CHECK(v.connected());
    CHECK(v.smiles == "[H]C(=O)C([H])([H])[H]");
    CHECK(v.reason.empty());
}

TEST_CASE("Fragments: SMILES of the largest, still valid", "[validity]") {
    Structure s = acetaldehyde();
    s.numbers.push_back(10);  // a neon atom far away
    s.positions.push_back({10, 10, 10});
    MoleculeVerdict v = check_molecule(s);
    CHECK(v.valid);
    CHECK(v.num_fragments == 2);
    CHECK_FALSE(v.connected());
    CHECK(v.smiles == "[H]C(=O)C([H])([H])[H]");
}

TEST_CASE("Invalid molecules fail with a reason; verdicts follow the Python reference", "[validity]") {
    // Frame 9 of qm9_dft_12000.extxyz.gz: the Python reference (Open Babel -> PDB -> RDKit,
    // eval/molecules/reference_validity.py) rejects it (a strained bicyclic C4O).
    Structure bad = molecule({6, 6, 6, 6, 8, 1, 1, 1, 1, 1, 1}, {{-0.06178, 1.593135, 0.024718},
                                                                {1.432536, 1.19109, 0.013062},
                                                                {1.154347, 0.137531, 1.111873},
                                                                {0.05959, 0.050406, 0.02161},
                                                                {1.118426, 0.164871, -1.009577},
                                                                {-0.46081, 2.080112, 0.91855},
                                                                {-0.430756, 2.030281, -0.903679},
                                                                {2.316621, 1.808654, -0.149035},
                                                                {1.851135, -0.700953, 1.136198},
                                                                {0.868487, 0.489053, 2.106871},
                                                                {-0.710672, -0.70651, -0.13019}});
    MoleculeVerdict v = check_molecule(bad);
    CHECK_FALSE(v.valid);
    CHECK(v.smiles.empty());
    CHECK_FALSE(v.reason.empty());

    // CH5 with five H at 1.05 Å: Open Babel keeps four C-H bonds, so the reference says valid
    // with SMILES [H]C([H])([H])[H] (largest fragment; the fifth H is its own fragment).
    Structure ch5 = molecule({6, 1, 1, 1, 1, 1},
                             {{0, 0, 0}, {0, 0, 1.05}, {0, 0, -1.05}, {1.05, 0, 0}, {-0.525, 0.909, 0}, {-0.525, -0.909, 0}});
    MoleculeVerdict c = check_molecule(ch5);
    CHECK(c.valid);
    CHECK(c.smiles == "[H]C([H])([H])[H]");
    CHECK(c.num_fragments == 2);
}

TEST_CASE("Empty and unknown inputs are invalid, never thrown", "[validity]") {
    CHECK_FALSE(check_molecule(Structure{}).valid);
    CHECK(canonical_smiles("OCC") == "CCO");
    CHECK(canonical_smiles("not a smiles").empty());
}

TEST_CASE("Given bonds replace perception; without bonds perception is used", "[validity]") {
    Structure s = acetaldehyde();
    MoleculeValidityOptions use;
    use.use_given_bonds = true;
    CHECK(check_molecule(s, use).smiles == "[H]C(=O)C([H])([H])[H]");  // no bonds given: perceived
    // The bonds Open Babel perceives, given explicitly: same verdict and SMILES.
    s.bonds = {{0, 1, 1}, {1, 2, 2}, {0, 3, 1}, {0, 4, 1}, {0, 5, 1}, {1, 6, 1}};
    MoleculeVerdict v = check_molecule(s, use);
    CHECK(v.valid);
    CHECK(v.smiles == "[H]C(=O)C([H])([H])[H]");
    s.bonds[1].order = 3;  // C#O with three other bonds on that carbon: valence 5
    MoleculeVerdict bad = check_molecule(s, use);
    CHECK_FALSE(bad.valid);
    CHECK_FALSE(bad.reason.empty());
}
