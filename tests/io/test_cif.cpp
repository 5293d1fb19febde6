// tests for src/adit/io/cif.cpp on MP-20 CIFs (../shared/data/mp_20), a pymatgen symmetrized CIF
// and an ICSD-style CIF (tests/data/formats, see make_fixtures.py).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/io/cif.hpp"
#include "adit/io/text_file.hpp"

using namespace adit;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

std::vector<Structure> read_fixture(const std::string& name) { return read_cif(read_text_file(kDir + name), name); }

// All minimum-image distances below 6 Å between atom pairs, sorted: independent of setting and origin.
std::vector<double> distance_fingerprint(const Structure& s) {
    std::vector<double> d;
    for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t j = i + 1; j < s.size(); ++j) d.push_back(s.lattice->minimum_image_distance(s.positions[i], s.positions[j]));
    std::sort(d.begin(), d.end());
    return d;
}

// The 1-based line of the first (or last) occurrence of `needle` in the file: where the error
// must point, found independently of the reader.
std::size_t line_of(const std::string& path, const std::string& needle, bool last = false) {
    const std::string text = read_text_file(path);
    const std::size_t at = last ? text.rfind(needle) : text.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}
}  // namespace

TEST_CASE("pymatgen P1 CIF from MP-20 reads with the file's cell and sites", "[cif]") {
    const auto blocks = read_fixture("mp-1111649.cif");
    REQUIRE(blocks.size() == 1);
    const Structure& s = blocks[0];
    CHECK(s.id == "K2NaScBr6");
    REQUIRE(s.size() == 10);
    CHECK(chemical_formula(s) == "Br6K2NaSc");
    const auto p = s.lattice->parameters();
    CHECK(p.a == Approx(7.84083415));
    CHECK(p.alpha == Approx(60.0));
    CHECK(s.lattice->volume() == Approx(340.85667666).epsilon(1e-8));
    const auto frac = s.fractional_positions();
    CHECK((frac[4] - Eigen::Vector3d(0.760862, 0.239138, 0.239138)).norm() < 1e-9);  // Br4
}

TEST_CASE("several data blocks give several structures", "[cif]") {
    const auto blocks = read_fixture("mp20_two_blocks.cif");
    REQUIRE(blocks.size() == 2);
    CHECK(blocks[0].id == "mp-555560");
    CHECK(blocks[0].size() == 18);
    CHECK(blocks[1].id == "mp-23070");
    CHECK(blocks[1].size() == 6);
}

TEST_CASE("symmetrized pymatgen CIF expands to the P1 cell of the same crystal", "[cif]") {
    const auto sym = read_fixture("BaBrF_symmetrized_pymatgen.cif");
    const auto p1 = read_fixture("mp20_two_blocks.cif")[1];  // the same MP-20 row, P1
    REQUIRE(sym.size() == 1);
    REQUIRE(sym[0].size() == 6);
    CHECK(chemical_formula(sym[0]) == chemical_formula(p1));
    const auto a = distance_fingerprint(sym[0]), b = distance_fingerprint(p1);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == Approx(b[k]).margin(1e-6));
}

TEST_CASE("ICSD-style CIF: _space_group_symop_operation_xyz and uncertainties", "[cif]") {
    const auto blocks = read_fixture("Si_icsd_style.cif");
    REQUIRE(blocks.size() == 1);
    const Structure& si = blocks[0];
    REQUIRE(si.size() == 8);  // Fd-3m 8a: the conventional diamond cell
    CHECK(si.lattice->parameters().a == Approx(5.4310));
    const double bond = std::sqrt(3.0) / 4.0 * 5.431;
    for (std::size_t j = 1; j < si.size(); ++j)
        CHECK(si.lattice->minimum_image_distance(si.positions[0], si.positions[j]) >= bond - 1e-6);
    const auto d = distance_fingerprint(si);
    CHECK(d.front() == Approx(bond));
}

TEST_CASE("symmetry operators parse and print", "[cif]") {
    const SymmetryOperation a = parse_symmetry_operation("-y+1/2, x+1/2, z");
    CHECK(a.rotation == (Eigen::Matrix3i() << 0, -1, 0, 1, 0, 0, 0, 0, 1).finished());
    CHECK(a.translation.isApprox(Eigen::Vector3d(0.5, 0.5, 0)));
    const SymmetryOperation b = parse_symmetry_operation("1/2+X,-Y, Z");
    CHECK(b.rotation == (Eigen::Matrix3i() << 1, 0, 0, 0, -1, 0, 0, 0, 1).finished());
    CHECK(b.translation.x() == 0.5);
    const SymmetryOperation c = parse_symmetry_operation("x-y,x,z+0.75");
    CHECK(c.rotation.row(0) == Eigen::RowVector3i(1, -1, 0));
    CHECK(format_symmetry_operation(c) == "x-y, x, z+3/4");
    CHECK(format_symmetry_operation(a) == "-y+1/2, x+1/2, z");
    CHECK_THROWS_AS(parse_symmetry_operation("x, y"), Error);
    CHECK_THROWS_AS(parse_symmetry_operation("x, y, q"), Error);
    CHECK_THROWS_AS(parse_symmetry_operation("x, x, z"), Error);  // singular
}

TEST_CASE("P1 CIF round trip keeps cell and sites", "[cif]") {
    const auto in = read_fixture("mp20_two_blocks.cif");
    std::ostringstream out;
    write_cif(out, in);
    const auto back = read_cif(out.str(), "round-trip");
    REQUIRE(back.size() == 2);
    for (std::size_t n = 0; n < in.size(); ++n) {
        CHECK(back[n].id == in[n].id);
        CHECK(back[n].numbers == in[n].numbers);
        CHECK(back[n].lattice->vectors().isApprox(in[n].lattice->vectors(), 1e-8));
        for (std::size_t i = 0; i < in[n].size(); ++i) CHECK((back[n].positions[i] - in[n].positions[i]).norm() < 1e-6);
    }
}

TEST_CASE("properties travel as _adit_* items and come back", "[cif]") {
    auto in = read_fixture("mp20_two_blocks.cif");
    in[0].properties.set("system", std::string("crystal"));
    in[0].properties.set("sampling_steps", 100.0);
    in[0].properties.set("cfg_scale", 2.5);
    in[0].properties.set("Model Path", std::string("runs/it's/dit.pt"));  // name and quote sanitised
    std::ostringstream out;
    write_cif(out, in);
    const std::string text = out.str();
    CHECK(text.find("_adit_system   'crystal'\n") != std::string::npos);
    CHECK(text.find("_adit_sampling_steps   100\n") != std::string::npos);
    CHECK(text.find("_adit_model_path   'runs/it s/dit.pt'\n") != std::string::npos);
    const auto back = read_cif(text, "items");
    REQUIRE(back.size() == 2);
    REQUIRE(back[0].properties.find("system") != nullptr);
    CHECK(std::get<std::string>(*back[0].properties.find("system")) == "crystal");
    CHECK(back[0].properties.number("sampling_steps") == 100.0);
    CHECK(back[0].properties.number("cfg_scale") == 2.5);
    CHECK(std::get<std::string>(*back[0].properties.find("model_path")) == "runs/it s/dit.pt");
    CHECK(back[1].properties.find("system") == nullptr);  // only the block that had them
}

TEST_CASE("structures with the same id get unique data block names", "[cif]") {
    CHECK(unique_block_names({"C", "c", "C", "", "a b"}) ==
          std::vector<std::string>{"C", "c_2", "C_3", "structure_4", "a_b"});
    auto c = read_fixture("mp20_two_blocks.cif");
    c[0].id = c[1].id = "same";
    std::ostringstream out;
    write_cif(out, c);
    const auto back = read_cif(out.str(), "two");
    CHECK(back[0].id == "same");
    CHECK(back[1].id == "same_2");
}

TEST_CASE("symmetrized CIF writer: operators expand the asymmetric unit", "[cif]") {
    SymmetrizedCrystal c;
    c.id = "P-1 test";
    c.lattice = lattice_from_parameters({4, 5, 6, 80, 85, 95});
    c.space_group_symbol = "P-1";
    c.space_group_number = 2;
    SymmetryOperation inversion;
    inversion.rotation = -Eigen::Matrix3i::Identity();
    c.operations = {SymmetryOperation{}, inversion};
    c.sites = {{8, {0.1, 0.2, 0.3}, 2}, {12, {0.5, 0.5, 0.5}, 1}};
    std::ostringstream out;
    write_symmetrized_cif(out, {c});
    CHECK(out.str().find("_symmetry_space_group_name_H-M   'P-1'") != std::string::npos);
    CHECK(out.str().find("_symmetry_Int_Tables_number   2") != std::string::npos);
    const auto back = read_cif(out.str(), "p-1");
    REQUIRE(back.size() == 1);
    CHECK(back[0].id == "P-1_test");
    REQUIRE(back[0].size() == 3);
    // atoms come sorted by electronegativity, as pymatgen's CifParser returns them: Mg, O, O
    CHECK(back[0].numbers == std::vector<int>{12, 8, 8});
    const auto frac = back[0].fractional_positions();
    CHECK((frac[2] - Eigen::Vector3d(0.9, 0.8, 0.7)).norm() < 1e-9);
}

TEST_CASE("malformed CIF gives errors naming file and line", "[cif][errors]") {
    struct Case {
        const char* file;
        const char* needle;  // text on the line the error names ("" = no line)
        const char* says;
        bool last = false;
    };
    for (const Case& c : {Case{"truncated.cif", "loop_", "not a multiple of 7", true},
                          Case{"zero_cell.cif", "_cell_length_a", "positive"},
                          Case{"singular_cell.cif", "_cell_length_a", "singular"},
                          Case{"unknown_element.cif", "Qx", "unknown element 'Qx'"},
                          Case{"nan.cif", "nan", "'nan' is not a finite number"},
                          Case{"text_number.cif", "x0.1", "'x0.1' is not a finite number"},
                          Case{"blank.cif", "", "empty file"}, Case{"binary.cif", "", "binary"}}) {
        INFO(c.file);
        const std::string path = kDir + "bad/" + c.file;
        try {
            read_cif(read_text_file(path), path);
            FAIL("no error");
        } catch (const ParseError& e) {
            CHECK(e.path() == path);
            CHECK(e.line() == (*c.needle ? line_of(path, c.needle, c.last) : 0));
            CHECK_THAT(e.what(), Catch::Contains(c.says));
        }
    }
    CHECK_THROWS_WITH(read_cif("data_x\n_cell_length_a 3\n", "short.cif"), Catch::Contains("no _cell_length_b"));
    CHECK_THROWS_WITH(read_cif("data_x\n_symmetry_space_group_name_H-M 'F m -3 m'\n_cell_length_a 3\n_cell_length_b 3\n"
                               "_cell_length_c 3\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                               "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                               "Na1 0 0 0\n",
                               "noops.cif"),
                      Catch::Contains("without symmetry operators"));
    CHECK_THROWS_WITH(read_cif("data_x\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\n_cell_angle_alpha 90\n"
                               "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                               "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nNa1 0 0 0 0.5\n",
                               "disorder.cif"),
                      Catch::Contains("disordered"));
}
