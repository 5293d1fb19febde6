// tests for src/adit/interop/openbabel_pdb.cpp.
#include <catch2/catch.hpp>

#include <sstream>

#include "adit/interop/openbabel_pdb.hpp"
#include "adit/interop/rdkit_molecule.hpp"
#include "adit/io/text_file.hpp"

using namespace adit;

namespace {
std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
    return n;
}
}  // namespace

TEST_CASE("PDB through Open Babel: one atom record per atom, bonds as CONECT", "[pdb]") {
    const std::string path = std::string(ADIT_TEST_DATA) + "/formats/qm9_rdkit_3.sdf";
    const auto mols = read_sdf(read_text_file(path), path);
    std::ostringstream out;
    write_pdb(out, {mols[0]});
    const std::string pdb = out.str();
    CHECK(count_lines_starting(pdb, "HETATM") + count_lines_starting(pdb, "ATOM  ") == mols[0].size());
    CHECK(count_lines_starting(pdb, "CONECT") > 0);
    CHECK(pdb.find("-0.604") != std::string::npos);  // first atom x, Å with 3 decimals
}

TEST_CASE("PDB of a crystal carries its cell in CRYST1", "[pdb]") {
    Structure s;
    s.id = "Cu";
    s.lattice = lattice_from_parameters({3.615, 3.615, 3.615, 90, 90, 90});
    s.numbers = {29};
    s.positions = {{0, 0, 0}};
    std::ostringstream out;
    write_pdb(out, {s});
    CHECK(out.str().find("CRYST1    3.615    3.615    3.615  90.00  90.00  90.00") != std::string::npos);
}
