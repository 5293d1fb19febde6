// Tests src/adit/interop/scaffold.cpp. Expected SMILES are what RDKit 2022.09's Python API
// (MurckoScaffold.MurckoScaffoldSmiles, Chem.MolToSmiles) and pybel print for the same input.
#include <catch2/catch.hpp>

#include "adit/interop/scaffold.hpp"

TEST_CASE("Murcko scaffolds match RDKit's Python MurckoScaffoldSmiles", "[scaffold]") {
    CHECK(adit::murcko_scaffold("c1ccccc1CCO") == "c1ccccc1");
    CHECK(adit::murcko_scaffold("CC(=O)Nc1ccc(O)cc1") == "c1ccccc1");
    CHECK(adit::murcko_scaffold("CCO") == "");
    CHECK(adit::murcko_scaffold("O=C1CC2(CC2)C1") == "O=C1CC2(CC2)C1");
    CHECK(adit::murcko_scaffold("C[C@H]1CC[C@@H](N)CC1C(=O)O") == "C1CCCCC1");
    CHECK(adit::murcko_scaffold("OC1C2CC3CC1C23") == "C1C2CC3CC1C23");
    CHECK(adit::murcko_scaffold("not a smiles") == "");
}

TEST_CASE("canonical SMILES", "[scaffold]") {
    CHECK(adit::canonical_smiles("c1ccccc1CCO") == "OCCc1ccccc1");
    CHECK(adit::canonical_smiles("OC1C2CC3CC1C23") == "OC1C2CC3CC1C32");
    CHECK(adit::canonical_smiles("C1CC") == "");
}

TEST_CASE("SMILES from a 3D geometry through Open Babel bond perception", "[scaffold]") {
    // QM9 gdb_index 11 (DFT geometry, Å): acetaldehyde; pybel writes "CC=O" for it.
    adit::Structure s;
    s.numbers = {6, 6, 8, 1, 1, 1, 1};
    s.positions = {{-0.002945, 1.509914, 0.008673}, {0.026083, 0.003276, -0.037459}, {0.942288, -0.655070, -0.456826},
                   {0.922788, 1.926342, -0.391466}, {-0.862015, 1.878525, -0.564795}, {-0.150506, 1.843934, 1.042891},
                   {-0.894430, -0.486434, 0.357749}};
    CHECK(adit::smiles_from_geometry(s) == "CC=O");
    const auto many = adit::smiles_from_geometry_batch({s, s, s}, 2);
    CHECK(many == std::vector<std::string>{"CC=O", "CC=O", "CC=O"});
    // without its hydrogens the perceived molecule would carry more atoms than the geometry: refused
    adit::Structure heavy = s;
    heavy.numbers.resize(3);
    heavy.positions.resize(3);
    CHECK(adit::smiles_from_geometry(heavy) == "");
    adit::Structure crystal = s;
    crystal.lattice = adit::lattice_from_parameters({10, 10, 10, 90, 90, 90});
    CHECK(adit::smiles_from_geometry(crystal) == "");
}
