// Tests src/adit/io/hdf5_store.cpp (the prepared-dataset layout). They live with the data
// suite because the loader is the layout's main reader.
#include <H5Cpp.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "adit/core/error.hpp"
#include "adit/io/hdf5_store.hpp"

#include <catch2/catch.hpp>  // after LibTorch, whose glog also defines CHECK

namespace fs = std::filesystem;

namespace {

adit::Structure methanol() {
    adit::Structure s;
    s.id = "gdb_11";
    s.numbers = {6, 6, 8, 1, 1, 1, 1};
    s.positions = {{-0.002945, 1.509914, 0.008673}, {0.026083, 0.003276, -0.037459}, {0.942288, -0.655070, -0.456826},
                   {0.922788, 1.926342, -0.391466}, {-0.862015, 1.878525, -0.564795}, {-0.150506, 1.843934, 1.042891},
                   {-0.894430, -0.486434, 0.357749}};
    s.properties.set("gap", 0.2342);
    s.properties.set("name", std::string("text is not stored"));
    return s;
}

adit::Structure rb2hg7_part() {
    adit::Structure s;
    s.id = "mp-31474";
    s.numbers = {37, 80};
    s.lattice = adit::lattice_from_parameters({7.23903594, 7.23903594, 6.79869600, 90, 90, 119.99999941});
    s.set_fractional_positions({{0.33333333, 0.66666667, 0.84778100}, {0.179952, 0.359903, 0.337152}});
    s.properties.set("formation_energy_per_atom", -0.25);
    s.properties.set("e/atom", 1.5);
    return s;
}

struct TempDir {
    fs::path path;
    TempDir() : path(fs::temp_directory_path() / fs::path("adit_test_store_" + std::to_string(::getpid()))) {
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

TEST_CASE("prepared data round-trips through HDF5", "[hdf5_store]") {
    TempDir dir;
    adit::PreparedData d;
    d.append(methanol(), "CCO", "dft");
    d.append(rb2hg7_part(), "", "experimental");
    d.property_column("gap").unit = "hartree";
    d.split(adit::Split::train) = {1};
    d.split(adit::Split::test) = {0};
    d.metadata.command_line = "adit prepare --input x.extxyz";
    d.metadata.sources.push_back({"x.extxyz", "00ff", 2, 1});
    d.metadata.skipped_records = 1;
    const std::string path = dir.file("small.h5");
    adit::write_prepared(path, d);
    REQUIRE(adit::is_prepared_file(path));
    // no temporary file left beside it
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
    CHECK(files == 1);

    const adit::PreparedData back = adit::read_prepared(path);
    REQUIRE(back.size() == 2);
    CHECK(back.num_atoms() == 9);
    CHECK(back.offset == std::vector<std::int64_t>{0, 7, 9});
    CHECK(back.id == std::vector<std::string>{"gdb_11", "mp-31474"});
    CHECK(back.system == std::vector<std::uint8_t>{0, 1});
    CHECK(back.smiles[0] == "CCO");
    CHECK(back.geometry[1] == "experimental");
    CHECK(back.metadata.geometry == "dft+experimental");
    CHECK(back.metadata.command_line == "adit prepare --input x.extxyz");
    REQUIRE(back.metadata.sources.size() == 1);
    CHECK(back.metadata.sources[0].sha256 == "00ff");
    CHECK(back.metadata.sources[0].skipped == 1);
    CHECK(back.metadata.skipped_records == 1);
    CHECK(back.split(adit::Split::train) == std::vector<std::int64_t>{1});
    CHECK(back.split(adit::Split::val).empty());

    // two numeric columns; the text property has none; NaN where a structure lacks a value
    REQUIRE(back.properties.size() == 3);
    REQUIRE(back.property("e_atom"));
    CHECK(back.property("e_atom")->values[1] == 1.5);
    const adit::PreparedProperty* gap = back.property("gap");
    REQUIRE(gap);
    CHECK(gap->unit == "hartree");
    CHECK(gap->values[0] == 0.2342);
    CHECK(std::isnan(gap->values[1]));

    const adit::Structure m = back.structure(0), c = back.structure(1);
    CHECK(!m.is_periodic());
    CHECK(m.numbers == methanol().numbers);
    for (std::size_t i = 0; i < m.size(); ++i)
        CHECK((m.positions[i] - methanol().positions[i]).norm() < 1e-6);
    CHECK(m.properties.number("gap") == 0.2342);
    REQUIRE(c.is_periodic());
    CHECK((c.lattice->vectors() - rb2hg7_part().lattice->vectors()).norm() < 1e-5);
    CHECK((c.positions[1] - rb2hg7_part().positions[1]).norm() < 1e-5);
    CHECK(!c.properties.number("gap"));
}

TEST_CASE("the stored layout is what h5py users see", "[hdf5_store]") {
    TempDir dir;
    adit::PreparedData d;
    for (int k = 0; k < 3; ++k) d.append(methanol(), "CCO", "dft");
    const std::string path = dir.file("layout.h5");
    adit::write_prepared(path, d);
    H5::H5File f(path, H5F_ACC_RDONLY);
    H5::DataSet pos = f.openDataSet("/atoms/pos");
    hsize_t dims[2] = {0, 0};
    CHECK(pos.getSpace().getSimpleExtentNdims() == 2);
    pos.getSpace().getSimpleExtentDims(dims);
    CHECK(dims[0] == 21);
    CHECK(dims[1] == 3);
    CHECK(pos.getDataType() == H5::PredType::IEEE_F32LE);
    CHECK(f.openDataSet("/atoms/Z").getDataType() == H5::PredType::STD_U8LE);
    CHECK(f.openDataSet("/structures/offset").getDataType() == H5::PredType::STD_I64LE);
    H5::DataSet lat = f.openDataSet("/structures/lattice");
    hsize_t ldims[3] = {0, 0, 0};
    lat.getSpace().getSimpleExtentDims(ldims);
    CHECK(ldims[0] == 3);
    CHECK(ldims[1] == 3);
    CHECK(ldims[2] == 3);
    CHECK(f.attrExists("format_version"));
    CHECK(f.attrExists("source_sha256"));
}

TEST_CASE("files that are not our layout get a clear error", "[hdf5_store]") {
    TempDir dir;
    const std::string text = dir.file("not_hdf5.h5");
    std::ofstream(text) << "hello\n";
    CHECK_THROWS_WITH(adit::read_prepared(text), Catch::Contains("not an HDF5 file"));
    CHECK_THROWS_WITH(adit::read_prepared(dir.file("missing.h5")), Catch::Contains("cannot open"));
    const std::string other = dir.file("other.h5");
    {
        H5::H5File f(other, H5F_ACC_TRUNC);
        f.createGroup("data");
    }
    CHECK(!adit::is_prepared_file(other));
    CHECK_THROWS_WITH(adit::read_prepared(other), Catch::Contains("not an adit prepared dataset"));
}

TEST_CASE("inconsistent data is refused before anything is written", "[hdf5_store]") {
    TempDir dir;
    adit::PreparedData d;
    d.append(methanol());
    d.split(adit::Split::train) = {5};
    const std::string path = dir.file("bad.h5");
    CHECK_THROWS_AS(adit::write_prepared(path, d), adit::Error);
    CHECK(!fs::exists(path));
}

TEST_CASE("file_sha256 matches the published digest of a known string", "[hdf5_store]") {
    TempDir dir;
    const std::string path = dir.file("abc.txt");
    std::ofstream(path, std::ios::binary) << "abc";
    // FIPS 180-2 test vector for "abc"
    CHECK(adit::file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
