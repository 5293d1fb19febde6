// tests for src/adit/io/cdvae_csv.cpp on rows of MP-20, perov-5 and carbon-24 (tests/data/formats).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/io/cdvae_csv.hpp"
#include "adit/io/text_file.hpp"

using namespace adit;

namespace {
const std::string kDir = std::string(ADIT_TEST_DATA) + "/formats/";

std::vector<Structure> read_fixture(const std::string& name) { return read_cdvae_csv(read_text_file(kDir + name), name); }

// The 1-based line of the first (or last) occurrence of `needle` in the file: where the error
// must point, found independently of the reader.
std::size_t line_of(const std::string& path, const std::string& needle, bool last = false) {
    const std::string text = read_text_file(path);
    const std::size_t at = last ? text.rfind(needle) : text.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}
}  // namespace

TEST_CASE("CSV fields: quotes, doubled quotes, embedded newlines, line numbers", "[csv]") {
    const auto records = parse_csv("a,b,c\n1,\"x, \"\"y\"\"\nz\",3\r\n\n4,5,6", "mem");
    REQUIRE(records.size() == 3);
    CHECK(records[1].fields == std::vector<std::string>{"1", "x, \"y\"\nz", "3"});
    CHECK(records[1].line == 2);
    CHECK(records[2].line == 5);
    CHECK(records[2].field_lines[2] == 5);
}

TEST_CASE("MP-20 rows: ids, atoms and property columns", "[csv]") {
    const auto rows = read_fixture("mp20_test_5.csv");
    REQUIRE(rows.size() == 5);
    CHECK(rows[0].id == "mp-555560");
    for (const Structure& s : rows) {
        INFO(s.id);
        REQUIRE(s.is_periodic());
        CHECK(s.properties.number("num_atoms") == static_cast<double>(s.size()));  // the file's own count
        CHECK(s.properties.number("spacegroup.number").has_value());
    }
    CHECK(std::get<std::string>(*rows[0].properties.find("pretty_formula")) == "CdTeMoO6");
    CHECK(rows[0].properties.find("cif") == nullptr);
}

TEST_CASE("perov-5 and carbon-24 rows: the unnamed index column is skipped", "[csv]") {
    const auto perov = read_fixture("perov5_test_3.csv");
    REQUIRE(perov.size() == 3);
    CHECK(perov[0].id == "3961");
    CHECK(perov[0].size() == 5);
    CHECK(perov[0].properties.number("heat_ref") == Approx(1.4383314936574307));
    CHECK(perov[0].properties.find("") == nullptr);
    CHECK(perov[0].properties.size() == 5);  // formula, heat_all, heat_ref, dir_gap, ind_gap
    // the Ti site at x = -0.39078906 is wrapped into the cell, as pymatgen does
    CHECK(perov[0].fractional_positions()[0].x() == Approx(1 - 0.39078906));
    const auto carbon = read_fixture("carbon24_test_2.csv");
    REQUIRE(carbon.size() == 2);
    CHECK(carbon[0].id == "C-13927-8536-14");
    CHECK(carbon[0].size() == 10);
    CHECK(carbon[0].properties.number("energy_per_atom") == Approx(-154.546684));
}

TEST_CASE("CDVAE CSV round trip", "[csv]") {
    const auto rows = read_fixture("perov5_test_3.csv");
    std::ostringstream out;
    write_cdvae_csv(out, rows);
    const auto back = read_cdvae_csv(out.str(), "round-trip");
    REQUIRE(back.size() == rows.size());
    for (std::size_t n = 0; n < rows.size(); ++n) {
        CHECK(back[n].id == rows[n].id);
        CHECK(back[n].numbers == rows[n].numbers);
        CHECK(back[n].lattice->vectors().isApprox(rows[n].lattice->vectors(), 1e-8));
        for (std::size_t i = 0; i < rows[n].size(); ++i) CHECK((back[n].positions[i] - rows[n].positions[i]).norm() < 1e-6);
        CHECK(back[n].properties.number("dir_gap") == rows[n].properties.number("dir_gap"));
        CHECK(std::get<std::string>(*back[n].properties.find("formula")) ==
              std::get<std::string>(*rows[n].properties.find("formula")));
    }
}

TEST_CASE("malformed CDVAE CSV gives errors naming file, line and row", "[csv][errors]") {
    struct Case {
        const char* file;
        const char* needle;  // text on the line the error names ("" = no line)
        const char* says;
        bool last = false;
    };
    for (const Case& c : {Case{"truncated.csv", "\"# generated", "never closed", true},
                          Case{"text_number.csv", "zero", "row 1 (mp-555560)"},
                          Case{"wrong_count.csv", "11922", "row 2 has 6 fields"}}) {
        INFO(c.file);
        const std::string path = kDir + "bad/" + c.file;
        try {
            read_cdvae_csv(read_text_file(path), path);
            FAIL("no error");
        } catch (const ParseError& e) {
            CHECK(e.path() == path);
            CHECK(e.line() == (*c.needle ? line_of(path, c.needle, c.last) : 0));
            CHECK_THAT(e.what(), Catch::Contains(c.says));
        }
    }
    CHECK_THROWS_WITH(read_cdvae_csv("material_id,formula\nmp-1,NaCl\n", "nocif.csv"), Catch::Contains("no 'cif' column"));
}
