// Tests of src/adit/interop/smiles_graph.cpp, etkdg.cpp and molecule_sdf.cpp.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/interop/etkdg.hpp"
#include "adit/interop/molecule_sdf.hpp"
#include "adit/interop/smiles_graph.hpp"

using namespace adit::interop;

namespace {

const std::string kData = std::string(ADIT_TEST_DATA) + "/conformer/";

int bonds_between(const MolecularGraph& g, int z1, int z2) {
    int n = 0;
    for (const auto& b : g.bonds) {
        const int a = g.numbers[b.i], c = g.numbers[b.j];
        if ((a == z1 && c == z2) || (a == z2 && c == z1)) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("ethanol: explicit hydrogens after the heavy atoms, hops and bond types", "[smiles_graph]") {
    const auto g = smiles_graph("CCO");
    REQUIRE(g.size() == 9);
    CHECK(g.numbers == std::vector<int>{6, 6, 8, 1, 1, 1, 1, 1, 1});
    CHECK(g.bonds.size() == 8);
    CHECK(bonds_between(g, 6, 1) == 5);
    CHECK(bonds_between(g, 8, 1) == 1);
    CHECK(g.hop(0, 0) == 0);
    CHECK(g.hop(0, 1) == 1);
    CHECK(g.hop(0, 2) == 2);
    CHECK(g.hop(2, 0) == 2);
    // the hydroxyl hydrogen (bonded to O, index 2) is 3 bonds from C0
    int oh = -1;
    for (const auto& b : g.bonds)
        if (g.numbers[b.i] + g.numbers[b.j] == 9) oh = g.numbers[b.i] == 1 ? b.i : b.j;
    REQUIRE(oh > 2);
    CHECK(g.hop(0, oh) == 3);
    CHECK(g.bond_type(0, 1) == 1);
    CHECK(g.bond_type(0, 2) == 0);
    CHECK(g.degree[0] == 4);
    CHECK(g.num_hydrogens[0] == 3);
    CHECK(g.hybridization[0] == 3);
    CHECK(g.in_ring[0] == 0);
}

TEST_CASE("aromatic, charged and chiral atoms", "[smiles_graph]") {
    const auto benzene = smiles_graph("c1ccccc1");
    CHECK(benzene.size() == 12);
    CHECK(benzene.aromatic[0] == 1);
    CHECK(benzene.in_ring[3] == 1);
    CHECK(benzene.hybridization[0] == 2);
    CHECK(benzene.bond_type(0, 1) == 4);
    CHECK(benzene.hop(0, 3) == 3);  // para

    const auto ammonium = smiles_graph("[NH4+]");
    CHECK(ammonium.size() == 5);
    CHECK(ammonium.charges[0] == 1);

    const auto alanine = smiles_graph("C[C@@H](N)C(=O)O");
    CHECK(alanine.chirality[1] != 0);
    CHECK(alanine.chirality[0] == 0);

    const auto salt = smiles_graph("[Na+].[Cl-]");
    CHECK(salt.hop(0, 1) == -1);  // different fragments
}

TEST_CASE("bad SMILES are errors naming the input", "[smiles_graph]") {
    CHECK_THROWS_WITH(smiles_graph("C1CC"), Catch::Contains("cannot parse SMILES 'C1CC'"));
    CHECK_THROWS_AS(smiles_graph("c1cccc1"), adit::Error);  // cannot kekulize
    CHECK_THROWS_AS(smiles_graph(""), adit::Error);
}

TEST_CASE("SMILES files: names, comments, and line numbers of bad lines", "[smiles_graph]") {
    const auto parsed = parse_smiles_file(kData + "smiles_with_errors.smi");
    REQUIRE(parsed.lines.size() == 4);
    CHECK(parsed.lines[0].smiles == "CCO");
    CHECK(parsed.lines[0].name == "ethanol");
    CHECK(parsed.lines[1].name == "");  // no name
    CHECK(parsed.lines[2].name == "acetic acid");
    REQUIRE(parsed.errors.size() == 1);
    CHECK_THAT(parsed.errors[0], Catch::Contains("smiles_with_errors.smi:4:") && Catch::Contains("C1CC("));
    CHECK(parsed.graphs.size() == 4);
    CHECK(parsed.lines[2].line == 6);  // the comment and blank lines still count
}

TEST_CASE("ETKDG conformers: connectivity, sane bond lengths, no clashes, reproducible", "[etkdg]") {
    for (bool mmff : {false, true}) {
        EtkdgOptions opt;
        opt.seed = 7;
        opt.mmff = mmff;
        const auto s = etkdg_conformer("CC(=O)Nc1ccc(O)cc1", opt);  // paracetamol
        const auto g = smiles_graph("CC(=O)Nc1ccc(O)cc1");
        REQUIRE(s.numbers == g.numbers);
        REQUIRE(s.bonds.size() == g.bonds.size());
        for (const auto& b : s.bonds) {
            CHECK(g.bond_type(b.i, b.j) != 0);
            const double d = (s.positions[b.i] - s.positions[b.j]).norm();
            const double ref = adit::element(s.numbers[b.i]).covalent_radius + adit::element(s.numbers[b.j]).covalent_radius;
            CHECK(d > 0.8 * ref);
            CHECK(d < 1.2 * ref);
        }
        for (std::size_t i = 0; i < s.size(); ++i)
            for (std::size_t j = i + 1; j < s.size(); ++j)
                if (g.hop(i, j) >= 3) CHECK((s.positions[i] - s.positions[j]).norm() > 1.6);
        const auto again = etkdg_conformer("CC(=O)Nc1ccc(O)cc1", opt);
        for (std::size_t i = 0; i < s.size(); ++i) CHECK((again.positions[i] - s.positions[i]).norm() < 1e-9);
    }
    CHECK_THROWS_AS(etkdg_conformer("C1CC"), adit::Error);
}

TEST_CASE("SDF through RDKit: a record written reads back with H, order, title and data", "[molecule_sdf]") {
    auto s = etkdg_conformer("OC(=O)c1ccccc1[N+](=O)[O-]");
    s.id = "nitrobenzoic acid";
    const std::string path = "test_molecule_sdf.sdf";
    {
        std::ofstream out(path);
        out << molecule_sdf_record(s) << molecule_sdf_record(s);
    }
    const auto back = read_molecule_sdf(path);
    std::remove(path.c_str());
    REQUIRE(back.size() == 2);
    CHECK(back[0].id == "nitrobenzoic acid");
    CHECK(back[0].numbers == s.numbers);
    CHECK(back[0].bonds.size() == s.bonds.size());
    CHECK(back[0].charge(9) == 1);
    CHECK(back[0].charge(11) == -1);
    for (std::size_t i = 0; i < s.size(); ++i) CHECK((back[0].positions[i] - s.positions[i]).norm() < 1e-3);
    const auto* smiles = back[1].properties.find("smiles");
    REQUIRE(smiles);
    CHECK(std::get<std::string>(*smiles) == "OC(=O)c1ccccc1[N+](=O)[O-]");
}

TEST_CASE("QM9 DFT fixture reads with every atom in SMILES order", "[molecule_sdf]") {
    const auto refs = read_molecule_sdf(kData + "qm9_dft5.sdf");
    REQUIRE(refs.size() == 5);
    for (const auto& r : refs) {
        const auto g = smiles_graph(std::get<std::string>(*r.properties.find("smiles")));
        CHECK(g.numbers == r.numbers);
        for (const auto& b : g.bonds)  // DFT bond lengths of the SMILES bonds
            CHECK((r.positions[b.i] - r.positions[b.j]).norm() < 1.8);
    }
    CHECK_THROWS_AS(read_molecule_sdf(kData + "does_not_exist.sdf"), adit::Error);
}

TEST_CASE("handedness of predicted coordinates follows the SMILES stereocentres", "[etkdg]") {
    const std::string smiles = "C[C@@H](N)[C@H](O)C(=O)O";  // two specified centres
    const auto s = etkdg_conformer(smiles);
    auto same = s.positions;
    CHECK_FALSE(match_stereo_handedness(smiles, same));
    CHECK(same == s.positions);
    auto mirrored = s.positions;
    for (auto& p : mirrored) p.x() = -p.x();  // the enantiomer
    CHECK(match_stereo_handedness(smiles, mirrored));
    CHECK_FALSE(match_stereo_handedness(smiles, mirrored));  // now a proper rotation of the original
    auto achiral = etkdg_conformer("CCO").positions;
    CHECK_FALSE(match_stereo_handedness("CCO", achiral));
    CHECK_THROWS_AS(match_stereo_handedness(smiles, achiral), adit::Error);
}
