// Tests src/adit/data/prepare.cpp on fixtures cut from ../shared/data (tests/data/prepare/).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "adit/core/error.hpp"
#include "adit/data/dataset.hpp"
#include "adit/data/prepare.hpp"
#include "adit/interop/scaffold.hpp"
#include "adit/interop/structure_files.hpp"

#include <catch2/catch.hpp>  // after LibTorch, whose glog also defines CHECK

namespace fs = std::filesystem;
using namespace adit::data;

namespace {
std::string fixture(const std::string& name) { return std::string(ADIT_TEST_DATA) + "/prepare/" + name; }

PrepareOptions options_for(std::vector<PrepareInput> inputs) {
    PrepareOptions o;
    o.inputs = std::move(inputs);
    o.threads = 2;
    return o;
}
}  // namespace

TEST_CASE("QM9 extended XYZ: coordinates, properties, SMILES, random split", "[prepare]") {
    PrepareOptions o = options_for({{fixture("qm9_dft_20.extxyz"), std::nullopt}});
    o.split = parse_split_spec("random:0.8,0.1,0.1");
    PrepareReport report;
    const adit::PreparedData d = prepare_dataset(o, &report);
    REQUIRE(d.size() == 20);
    CHECK(report.molecules == 20);
    CHECK(d.split(adit::Split::train).size() == 16);
    CHECK(d.split(adit::Split::val).size() == 2);
    CHECK(d.split(adit::Split::test).size() == 2);
    CHECK(d.id[0] == "gdb_11");
    CHECK(d.geometry[0] == "dft");
    CHECK(d.smiles[0] == "CC=O");  // pybel and RDKit agree on gdb 11 (acetaldehyde)
    CHECK(report.smiles_unknown <= 1);
    const adit::PreparedProperty* gap = d.property("gap");
    REQUIRE(gap);
    CHECK(gap->unit == "hartree");
    CHECK(gap->values[0] == 0.2342);
    REQUIRE(d.metadata.sources.size() == 1);
    CHECK(d.metadata.sources[0].sha256.size() == 64);
    CHECK(d.metadata.sources[0].records == 20);
    // coordinates equal the file's to float32 precision
    const auto original = adit::read_structures(fixture("qm9_dft_20.extxyz"));
    for (std::int64_t i = 0; i < 20; ++i) {
        const adit::Structure s = d.structure(i);
        REQUIRE(s.numbers == original[static_cast<std::size_t>(i)].numbers);
        for (std::size_t a = 0; a < s.size(); ++a)
            CHECK((s.positions[a] - original[static_cast<std::size_t>(i)].positions[a]).norm() < 1e-5);
    }
    // seeded: the same seed gives the same split, another seed another one
    CHECK(prepare_dataset(o).split(adit::Split::test) == d.split(adit::Split::test));
    o.seed = 1;
    o.smiles = false;
    CHECK(prepare_dataset(o).split(adit::Split::test) != d.split(adit::Split::test));
}

TEST_CASE("MP-20 CDVAE CSV with per-file splits", "[prepare]") {
    PrepareOptions o = options_for({{fixture("mp20_train.csv"), adit::Split::train},
                                    {fixture("mp20_val.csv"), adit::Split::val},
                                    {fixture("mp20_test.csv"), adit::Split::test}});
    PrepareReport report;
    const adit::PreparedData d = prepare_dataset(o, &report);
    REQUIRE(d.size() == 12);
    CHECK(report.crystals == 12);
    CHECK(d.split(adit::Split::train) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5});
    CHECK(d.split(adit::Split::val) == std::vector<std::int64_t>{6, 7, 8});
    CHECK(d.id[6] == "mp-31474");
    CHECK(d.smiles[6].empty());
    const auto val = adit::read_structures(fixture("mp20_val.csv"));
    const adit::Structure c = d.structure(6);
    REQUIRE(c.is_periodic());
    CHECK((c.lattice->vectors() - val[0].lattice->vectors()).norm() < 1e-5);
    CHECK(c.numbers == val[0].numbers);
    // --split with per-file splits is ambiguous
    o.split = parse_split_spec("random:0.8,0.1,0.1");
    CHECK_THROWS_AS(prepare_dataset(o), adit::Error);
}

TEST_CASE("--on-error: fail names file and line, skip counts the record", "[prepare]") {
    PrepareOptions o = options_for({{fixture("qm9_bad_4.extxyz"), std::nullopt}});
    o.smiles = false;
    CHECK_THROWS_WITH(prepare_dataset(o), Catch::Contains("qm9_bad_4.extxyz:23"));
    o.on_error = OnError::skip;
    PrepareReport report;
    const adit::PreparedData d = prepare_dataset(o, &report);
    CHECK(d.size() == 3);
    CHECK(report.skipped == 1);
    CHECK(d.metadata.skipped_records == 1);
    CHECK(d.metadata.sources[0].skipped == 1);
    CHECK(d.id == std::vector<std::string>{"gdb_11", "gdb_14", "gdb_31"});
    REQUIRE(report.messages.size() == 1);
    CHECK_THAT(report.messages[0], Catch::Contains("qm9_bad_4.extxyz:23") && Catch::Contains("frame 3"));
}

TEST_CASE("SMILES with --geometry etkdg-mmff: proxies labelled, filtered and deduplicated", "[prepare]") {
    PrepareOptions o = options_for({{fixture("qm9_smiles_12.csv"), std::nullopt}});
    CHECK_THROWS_WITH(prepare_dataset(o), Catch::Contains("--geometry etkdg-mmff"));
    o.geometry = "etkdg-mmff";
    o.limit = 8;
    PrepareReport report;
    const adit::PreparedData d = prepare_dataset(o, &report);
    REQUIRE(d.size() == 8);
    CHECK(report.embedded == 8);
    CHECK(report.embed_failed == 0);
    // C, N, O, C#C, C#N, C=O, CC, CO with explicit hydrogens
    const std::vector<std::int64_t> atoms = {5, 4, 3, 4, 3, 4, 8, 6};
    for (std::int64_t i = 0; i < 8; ++i) CHECK(d.num_atoms(i) == atoms[static_cast<std::size_t>(i)]);
    CHECK(d.id[3] == "gdb_4");
    CHECK(d.smiles[3] == "C#C");
    CHECK(d.geometry[0] == "etkdg-mmff");

    // The lead's QM9 recipe in small: DFT structures first, proxies only for fluorine molecules
    // that no structure file holds, minus an excluded (test) set.
    PrepareOptions mixed = options_for({{fixture("qm9_dft_20.extxyz"), std::nullopt}, {fixture("qm9_smiles_12.csv"), std::nullopt}});
    mixed.geometry = "etkdg-mmff";
    mixed.proxy_elements = {"F"};
    mixed.smiles = false;
    const adit::PreparedData m = prepare_dataset(mixed, &report);
    CHECK(m.size() == 24);
    CHECK(report.filtered == 8);
    CHECK(std::count(m.geometry.begin(), m.geometry.end(), "etkdg-mmff") == 4);
    CHECK(m.id[20] == "gdb_184");
    CHECK(m.property("gdb_index")->values[20] == 184);
    CHECK(m.num_atoms(20) == 5);  // CF4
}

TEST_CASE("scaffold split of SMILES-built molecules keeps scaffolds together", "[prepare]") {
    PrepareOptions o = options_for({{fixture("qm9_dft_20.extxyz"), std::nullopt}});
    o.split = parse_split_spec("scaffold:0.8,0.1,0.1");
    const adit::PreparedData d = prepare_dataset(o);
    std::size_t total = 0;
    for (int k = 0; k < 3; ++k) total += d.splits[k].size();
    CHECK(total == 20);
    // acyclic molecules share the "" scaffold, the largest group: it goes to train whole
    for (std::int64_t i : d.split(adit::Split::test)) CHECK(d.smiles[static_cast<std::size_t>(i)].find('1') != std::string::npos);
}

TEST_CASE("--smiles-from: listed SMILES by id replace perception when the formula matches", "[prepare]") {
    PrepareOptions o = options_for({{fixture("qm9_dft_20.extxyz"), std::nullopt}});
    o.smiles_from = {fixture("qm9_dft_20_smiles.csv")};
    PrepareReport report;
    const adit::PreparedData d = prepare_dataset(o, &report);
    REQUIRE(d.size() == 20);
    CHECK(report.smiles_listed == 20);
    CHECK(report.smiles_list_mismatch == 0);
    CHECK(report.smiles_unknown == 0);
    const auto listed = read_smiles_list(fixture("qm9_dft_20_smiles.csv"));
    REQUIRE(listed.size() == 20);
    for (std::size_t i = 0; i < 20; ++i) {
        CHECK(d.id[i] == listed[i].id);
        CHECK(d.smiles[i] == adit::canonical_smiles(listed[i].smiles));
    }
    CHECK(d.smiles[19] == "c1cn[nH]c1");  // GDB's Kekulé "N1C=CC=N1", canonicalised by RDKit

    // A listed SMILES whose formula or connectivity is not the geometry's is not used.
    const std::string wrong = "test_prepare_wrong_smiles.csv";
    {
        std::ofstream out(wrong);
        // gdb 11 is acetaldehyde, not propanal (formula); gdb 14 is ethanol, written another
        // way; gdb 22 is propan-2-ol, not methoxyethane (same formula C3H8O, other graph)
        out << "gdb_index,smiles\n11,CCC=O\n14,OCC\n22,CCOC\n";
    }
    o.smiles_from = {wrong};
    PrepareReport r2;
    const adit::PreparedData w = prepare_dataset(o, &r2);
    std::remove(wrong.c_str());
    CHECK(r2.smiles_listed == 1);
    CHECK(r2.smiles_list_mismatch == 2);
    CHECK(w.smiles[0] == "CC=O");  // perceived from the DFT geometry
    CHECK(w.smiles[1] == "CCO");
    CHECK(w.smiles[2] == "CC(C)O");
}
