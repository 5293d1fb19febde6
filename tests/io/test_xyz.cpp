// tests for src/adit/io/xyz.cpp on QM9 / QM7 frames cut from ../shared/data (tests/data/formats).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/io/text_file.hpp"
#include "adit/io/xyz.hpp"

using namespace adit;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

std::vector<Structure> read_fixture(const std::string& name) { return read_xyz(read_text_file(kDir + name), name); }

std::vector<Structure> round_trip(const std::vector<Structure>& in, XyzDialect dialect) {
    std::ostringstream out;
    write_xyz(out, in, dialect);
    return read_xyz(out.str(), "round-trip");
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

TEST_CASE("QM9 extended XYZ frames keep atoms and per-frame properties", "[xyz]") {
    const auto frames = read_fixture("qm9_test_5.extxyz");
    REQUIRE(frames.size() == 5);
    const Structure& s = frames[0];  // gdb 11, acetaldehyde: C C O H H H H
    REQUIRE(s.size() == 7);
    CHECK(s.numbers == std::vector<int>{6, 6, 8, 1, 1, 1, 1});
    CHECK(s.positions[0].x() == Approx(-0.002945));
    CHECK(s.positions[2].z() == Approx(-0.456826));
    CHECK_FALSE(s.is_periodic());
    CHECK(s.properties.number("gdb_index") == 11);
    CHECK(s.properties.number("homo") == Approx(-0.25400001));
    CHECK(s.properties.number("Cv") == Approx(11.219));
    CHECK(s.properties.find("pbc") == nullptr);
    CHECK(frames[1].size() == 9);
    CHECK(frames[1].properties.number("gdb_index") == 14);
}

TEST_CASE("QM7 extended XYZ frames read", "[xyz]") {
    const auto frames = read_fixture("qm7_3.extxyz");
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].numbers == std::vector<int>{6, 1, 1, 1, 1});
    CHECK(frames[0].properties.number("hof") == Approx(-417.031));
    CHECK(frames[0].properties.number("energy") == Approx(-431.787271961));
}

TEST_CASE("plain XYZ: the comment line is the title", "[xyz]") {
    const auto frames = read_fixture("acetaldehyde_plain.xyz");
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].id == "acetaldehyde gdb 11");
    CHECK(frames[0].size() == 7);
    CHECK(frames[0].properties.empty());
}

TEST_CASE("XYZ round trip keeps elements, coordinates and properties", "[xyz]") {
    const auto frames = read_fixture("qm9_test_5.extxyz");
    for (XyzDialect dialect : {XyzDialect::automatic, XyzDialect::extended}) {
        const auto back = round_trip(frames, dialect);
        REQUIRE(back.size() == frames.size());
        for (std::size_t f = 0; f < frames.size(); ++f) {
            CHECK(back[f].numbers == frames[f].numbers);
            for (std::size_t i = 0; i < frames[f].size(); ++i)
                CHECK((back[f].positions[i] - frames[f].positions[i]).norm() < 1e-7);
            REQUIRE(back[f].properties.size() == frames[f].properties.size());
            CHECK(back[f].properties.number("lumo") == frames[f].properties.number("lumo"));
        }
    }
    const auto plain = round_trip(read_fixture("acetaldehyde_plain.xyz"), XyzDialect::automatic);
    CHECK(plain[0].id == "acetaldehyde gdb 11");
}

TEST_CASE("a crystal is always written as extended XYZ that ASE reads", "[xyz]") {
    Structure nacl;
    nacl.id = "NaCl";
    nacl.lattice = Lattice((Eigen::Matrix3d() << 0, 2.82, 2.82, 2.82, 0, 2.82, 2.82, 2.82, 0).finished());
    nacl.numbers = {11, 17};
    nacl.positions = {{0, 0, 0}, {2.82, 2.82, 2.82}};
    nacl.properties.set("energy", -6.5);
    nacl.properties.set("note", std::string("rock salt, primitive"));
    std::ostringstream out;
    write_xyz(out, {nacl}, XyzDialect::automatic);
    std::istringstream lines(out.str());
    std::string count, header;
    std::getline(lines, count);
    std::getline(lines, header);
    CHECK(count == "2");
    CHECK(header.rfind("Lattice=\"0.00000000 2.82000000 2.82000000 2.82000000 0.00000000 2.82000000 2.82000000 "
                       "2.82000000 0.00000000\" Properties=species:S:1:pos:R:3",
                       0) == 0);
    CHECK(header.find("note=\"rock salt, primitive\"") != std::string::npos);
    CHECK(header.size() >= 11);
    CHECK(header.substr(header.size() - 11) == "pbc=\"T T T\"");
    const auto back = read_xyz(out.str(), "nacl");
    REQUIRE(back[0].lattice);
    CHECK(back[0].lattice->vectors().isApprox(nacl.lattice->vectors()));
    CHECK(back[0].id == "NaCl");
    CHECK(back[0].properties.number("energy") == -6.5);
    CHECK(std::get<std::string>(*back[0].properties.find("note")) == "rock salt, primitive");
}

TEST_CASE("extended XYZ with extra per-atom columns and atomic numbers", "[xyz]") {
    const std::string text =
        "2\nProperties=Z:I:1:pos:R:3:forces:R:3 energy=-1.5 flag pbc=\"F F F\"\n"
        "8 0 0 0 0.1 0.2 0.3\n1 0 0 0.97 0 0 0\n";
    const auto frames = read_xyz(text, "mem");
    CHECK(frames[0].numbers == std::vector<int>{8, 1});
    CHECK(frames[0].positions[1].z() == Approx(0.97));
    CHECK(std::get<std::string>(*frames[0].properties.find("flag")) == "T");
}

TEST_CASE("malformed XYZ gives errors naming file, line and frame", "[xyz][errors]") {
    struct Case {
        const char* file;
        const char* needle;  // text on the line the error names ("" = no line)
        const char* says;
        bool last = false;
    };
    for (const Case& c : {Case{"truncated.xyz", "H 0.757", "ends after 2 of 3"}, Case{"wrong_count.xyz", "H -0.757", "frame 2"},
                          Case{"unknown_element.xyz", "Xq", "unknown element 'Xq'"},
                          Case{"nan.xyz", "nan", "'nan' is not a finite number"},
                          Case{"text_number.xyz", "abc", "'abc' is not a finite number"},
                          Case{"zero_lattice.extxyz", "Lattice", "singular"},
                          Case{"singular_lattice.extxyz", "Lattice", "singular"}, Case{"empty.xyz", "", "empty file"},
                          Case{"binary.xyz", "", "binary"}}) {
        INFO(c.file);
        const std::string path = kDir + "bad/" + c.file;
        try {
            read_xyz(read_text_file(path), path);
            FAIL("no error");
        } catch (const ParseError& e) {
            CHECK(e.path() == path);
            CHECK(e.line() == (*c.needle ? line_of(path, c.needle, c.last) : 0));
            CHECK_THAT(e.what(), Catch::Contains(c.says));
        }
    }
}
