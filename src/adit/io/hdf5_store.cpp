// The prepared-dataset layout (see hdf5_store.hpp) through the HDF5 C++ API. Large numeric
// arrays are chunked with shuffle + deflate; strings are variable-length UTF-8, which h5py
// reads as `bytes` (or `str` with `.asstr()`).
#include "adit/io/hdf5_store.hpp"

#include <H5Cpp.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <set>

#include "adit/core/error.hpp"
#include "adit/io/text_file.hpp"

namespace adit {

const char* split_name(Split s) {
    switch (s) {
        case Split::train: return "train";
        case Split::val: return "val";
        case Split::test: return "test";
    }
    return "?";
}

Split split_from_name(const std::string& name) {
    if (name == "train") return Split::train;
    if (name == "val" || name == "valid" || name == "validation") return Split::val;
    if (name == "test") return Split::test;
    fail("unknown split '{}' (expected train, val or test)", name);
}

// ---- PreparedData ----------------------------------------------------------------------------

PreparedProperty& PreparedData::property_column(const std::string& name, const std::string& unit) {
    for (PreparedProperty& p : properties)
        if (p.name == name) {
            if (p.unit.empty()) p.unit = unit;
            return p;
        }
    properties.push_back({name, unit, std::vector<double>(id.size(), std::numeric_limits<double>::quiet_NaN())});
    return properties.back();
}

const PreparedProperty* PreparedData::property(const std::string& name) const {
    for (const PreparedProperty& p : properties)
        if (p.name == name) return &p;
    return nullptr;
}

std::int64_t PreparedData::append(const Structure& s, const std::string& smiles_text, const std::string& origin) {
    const std::int64_t index = size();
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.numbers[i] < 1 || s.numbers[i] > 255) fail("{}: atomic number {} cannot be stored", s.id, s.numbers[i]);
        z.push_back(static_cast<std::uint8_t>(s.numbers[i]));
        for (int k = 0; k < 3; ++k) pos.push_back(static_cast<float>(s.positions[i][k]));
    }
    offset.push_back(static_cast<std::int64_t>(z.size()));
    id.push_back(s.id);
    system.push_back(s.is_periodic() ? 1 : 0);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) lattice.push_back(s.is_periodic() ? static_cast<float>(s.lattice->vectors()(r, c)) : 0.0f);
    smiles.push_back(smiles_text);
    geometry.push_back(origin);
    for (const auto& [key, value] : s.properties) {
        const double* number = std::get_if<double>(&value);
        if (!number) continue;  // text properties have no column in the layout
        // '/' would make a nested HDF5 group: store "a/b" as "a_b"
        std::string name = key;
        std::replace(name.begin(), name.end(), '/', '_');
        PreparedProperty& column = property_column(name);
        column.values.resize(static_cast<std::size_t>(index), std::numeric_limits<double>::quiet_NaN());
        column.values.push_back(*number);
    }
    for (PreparedProperty& column : properties)
        column.values.resize(id.size(), std::numeric_limits<double>::quiet_NaN());
    return index;
}

Structure PreparedData::structure(std::int64_t i) const {
    if (i < 0 || i >= size()) fail("structure index {} out of range (dataset has {})", i, size());
    Structure s;
    s.id = id[i];
    for (std::int64_t a = offset[i]; a < offset[i + 1]; ++a) {
        s.numbers.push_back(z[a]);
        s.positions.emplace_back(pos[3 * a], pos[3 * a + 1], pos[3 * a + 2]);
    }
    if (system[i] == 1) {
        Eigen::Matrix3d m;
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) m(r, c) = lattice[9 * i + 3 * r + c];
        s.lattice = Lattice(m);
    }
    for (const PreparedProperty& p : properties)
        if (!std::isnan(p.values[i])) s.properties.set(p.name, p.values[i]);
    if (!smiles[i].empty()) s.properties.set("smiles", smiles[i]);
    return s;
}

void PreparedData::check() const {
    const auto n = static_cast<std::size_t>(size());
    if (offset.size() != n + 1) fail("prepared data: {} offsets for {} structures", offset.size(), n);
    if (offset.front() != 0 || offset.back() != num_atoms())
        fail("prepared data: offsets span {}..{} but there are {} atoms", offset.front(), offset.back(), num_atoms());
    for (std::size_t i = 0; i < n; ++i)
        if (offset[i + 1] < offset[i]) fail("prepared data: offsets decrease at structure {}", i);
    if (pos.size() != 3 * z.size()) fail("prepared data: {} positions for {} atoms", pos.size() / 3, z.size());
    if (system.size() != n || lattice.size() != 9 * n || smiles.size() != n || geometry.size() != n)
        fail("prepared data: per-structure arrays disagree in length ({} structures)", n);
    for (const PreparedProperty& p : properties)
        if (p.values.size() != n) fail("prepared data: property '{}' has {} values for {} structures", p.name, p.values.size(), n);
    for (int s = 0; s < 3; ++s)
        for (std::int64_t i : splits[s])
            if (i < 0 || i >= size()) fail("prepared data: split '{}' holds index {} of {} structures", split_name(Split(s)), i, n);
}

// ---- HDF5 helpers ----------------------------------------------------------------------------

namespace {

constexpr hsize_t kChunkBytes = 1 << 20;

H5::StrType string_type() {
    H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
    t.setCset(H5T_CSET_UTF8);
    return t;
}

// Chunked, byte-shuffled, deflated storage for every dataset above a few KiB (h5py reads it with
// the filters every HDF5 build has): a prepared QM9 training set must fit, with MP-20, in the few
// tens of MiB that travel to a GPU machine.
constexpr hsize_t kCompressAbove = 4096;  // bytes

// A 1-D (or [n, k...]) numeric dataset.
template <typename T>
void write_array(H5::Group& group, const std::string& name, const std::vector<T>& values, const H5::PredType& file_type,
                 const H5::PredType& mem_type, std::vector<hsize_t> inner = {}) {
    hsize_t row = 1;
    for (hsize_t d : inner) row *= d;
    std::vector<hsize_t> dims{values.size() / row};
    dims.insert(dims.end(), inner.begin(), inner.end());
    H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
    H5::DSetCreatPropList plist;
    const hsize_t rows_per_chunk = std::max<hsize_t>(1, kChunkBytes / (sizeof(T) * row));
    if (dims[0] * sizeof(T) * row > kCompressAbove) {
        std::vector<hsize_t> chunk = dims;
        chunk[0] = std::min(dims[0], rows_per_chunk);
        plist.setChunk(static_cast<int>(chunk.size()), chunk.data());
        plist.setShuffle();
        plist.setDeflate(6);
    }
    H5::DataSet ds = group.createDataSet(name, file_type, space, plist);
    if (!values.empty()) ds.write(values.data(), mem_type);
}

// Fixed-length (NUL-padded, UTF-8) strings, compressed like the arrays: variable-length strings
// live in HDF5's global heap, which no filter compresses (three string columns of a 118k-molecule
// QM9 file took 16 MB that way, ~1.5 MB like this). h5py reads them as bytes ('S' dtype), as it
// does variable-length ones; read_strings() reads both.
void write_strings(H5::Group& group, const std::string& name, const std::vector<std::string>& values) {
    const hsize_t n = values.size();
    std::size_t width = 1;
    for (const std::string& v : values) width = std::max(width, v.size());
    H5::DataSpace space(1, &n);
    H5::StrType t(H5::PredType::C_S1, width);
    t.setCset(H5T_CSET_UTF8);
    t.setStrpad(H5T_STR_NULLPAD);
    H5::DSetCreatPropList plist;
    if (n * width > kCompressAbove) {
        const hsize_t chunk = std::min<hsize_t>(n, std::max<hsize_t>(1, kChunkBytes / width));
        plist.setChunk(1, &chunk);
        plist.setDeflate(6);
    }
    H5::DataSet ds = group.createDataSet(name, t, space, plist);
    std::vector<char> buffer(n * width, '\0');
    for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), buffer.begin() + i * width);
    if (!values.empty()) ds.write(buffer.data(), t);
}

void write_attribute(const H5::H5Object& obj, const std::string& name, const std::string& value) {
    H5::StrType t = string_type();
    H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
    a.write(t, value);
}

void write_attribute(const H5::H5Object& obj, const std::string& name, std::int64_t value) {
    H5::Attribute a = obj.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
    a.write(H5::PredType::NATIVE_INT64, &value);
}

void write_attribute(const H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values) {
    const hsize_t n = values.size();
    H5::StrType t = string_type();
    H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(1, &n));
    std::vector<const char*> ptrs;
    for (const std::string& v : values) ptrs.push_back(v.c_str());
    if (!values.empty()) a.write(t, ptrs.data());
}

void write_attribute(const H5::H5Object& obj, const std::string& name, const std::vector<std::int64_t>& values) {
    const hsize_t n = values.size();
    H5::Attribute a = obj.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(1, &n));
    if (!values.empty()) a.write(H5::PredType::NATIVE_INT64, values.data());
}

template <typename T>
std::vector<T> read_array(const H5::Group& group, const std::string& name, const H5::PredType& mem_type) {
    H5::DataSet ds = group.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    std::vector<T> values(static_cast<std::size_t>(space.getSimpleExtentNpoints()));
    if (!values.empty()) ds.read(values.data(), mem_type);
    return values;
}

std::vector<std::string> read_strings(const H5::Group& group, const std::string& name) {
    H5::DataSet ds = group.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    const auto n = static_cast<std::size_t>(space.getSimpleExtentNpoints());
    std::vector<std::string> out(n);
    if (n == 0) return out;
    H5::DataType file_type = ds.getDataType();
    if (file_type.getClass() != H5T_STRING) fail("dataset '{}' does not hold strings", name);
    H5::StrType t = string_type();
    if (file_type.isVariableStr()) {
        std::vector<char*> buffer(n, nullptr);
        ds.read(buffer.data(), t);
        for (std::size_t i = 0; i < n; ++i) out[i] = buffer[i] ? buffer[i] : "";
        H5Dvlen_reclaim(t.getId(), space.getId(), H5P_DEFAULT, buffer.data());
    } else {  // fixed-length strings (as numpy 'S' arrays written by h5py)
        const std::size_t width = file_type.getSize();
        H5::StrType fixed = ds.getStrType();  // the file's own type: no character-set conversion
        std::vector<char> buffer(n * width);
        ds.read(buffer.data(), fixed);
        for (std::size_t i = 0; i < n; ++i) {
            const char* p = buffer.data() + i * width;
            out[i].assign(p, strnlen(p, width));
        }
    }
    return out;
}

std::string read_string_attribute(const H5::H5Object& obj, const std::string& name) {
    if (!obj.attrExists(name)) return "";
    H5::Attribute a = obj.openAttribute(name);
    H5::DataType t = a.getDataType();
    if (t.getClass() != H5T_STRING) return "";
    std::string value;
    a.read(a.getStrType(), value);
    return value;
}

std::int64_t read_int_attribute(const H5::H5Object& obj, const std::string& name, std::int64_t fallback) {
    if (!obj.attrExists(name)) return fallback;
    H5::Attribute a = obj.openAttribute(name);
    if (a.getDataType().getClass() != H5T_INTEGER) return fallback;
    std::int64_t v = fallback;
    a.read(H5::PredType::NATIVE_INT64, &v);
    return v;
}

std::vector<std::string> read_string_list_attribute(const H5::H5Object& obj, const std::string& name) {
    if (!obj.attrExists(name)) return {};
    H5::Attribute a = obj.openAttribute(name);
    H5::DataSpace space = a.getSpace();
    const auto n = static_cast<std::size_t>(space.getSimpleExtentNpoints());
    std::vector<std::string> out;
    if (n == 0 || !a.getDataType().isVariableStr()) return out;
    H5::StrType t = string_type();
    std::vector<char*> buffer(n, nullptr);
    a.read(t, buffer.data());
    for (char* p : buffer) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(t.getId(), space.getId(), H5P_DEFAULT, buffer.data());
    return out;
}

std::vector<std::int64_t> read_int_list_attribute(const H5::H5Object& obj, const std::string& name) {
    if (!obj.attrExists(name)) return {};
    H5::Attribute a = obj.openAttribute(name);
    std::vector<std::int64_t> out(static_cast<std::size_t>(a.getSpace().getSimpleExtentNpoints()));
    if (!out.empty()) a.read(H5::PredType::NATIVE_INT64, out.data());
    return out;
}

std::string joined_geometry(const PreparedData& data) {
    if (!data.metadata.geometry.empty()) return data.metadata.geometry;
    std::vector<std::string> seen;
    for (const std::string& g : data.geometry)
        if (!g.empty() && std::find(seen.begin(), seen.end(), g) == seen.end()) seen.push_back(g);
    std::string out;
    for (const std::string& g : seen) out += (out.empty() ? "" : "+") + g;
    return out;
}

void write_file(const std::string& path, const PreparedData& data) {
    H5::H5File file(path, H5F_ACC_TRUNC);
    write_attribute(file, "format", std::string(kPreparedFormatName));
    write_attribute(file, "format_version", static_cast<std::int64_t>(kPreparedFormatVersion));
    write_attribute(file, "geometry", joined_geometry(data));
    write_attribute(file, "command_line", data.metadata.command_line);
    write_attribute(file, "created_by",
                    data.metadata.created_by.empty() ? std::string("adit ") + ADIT_VERSION : data.metadata.created_by);
    std::vector<std::string> paths, digests;
    std::vector<std::int64_t> records, skipped;
    for (const PreparedSource& s : data.metadata.sources) {
        paths.push_back(s.path);
        digests.push_back(s.sha256);
        records.push_back(s.records);
        skipped.push_back(s.skipped);
    }
    write_attribute(file, "source_files", paths);
    write_attribute(file, "source_sha256", digests);
    write_attribute(file, "source_records", records);
    write_attribute(file, "source_skipped", skipped);
    std::int64_t crystals = 0;
    for (std::uint8_t s : data.system) crystals += s == 1;
    write_attribute(file, "num_structures", data.size());
    write_attribute(file, "num_atoms", data.num_atoms());
    write_attribute(file, "num_molecules", data.size() - crystals);
    write_attribute(file, "num_crystals", crystals);
    for (Split s : {Split::train, Split::val, Split::test})
        write_attribute(file, std::string("num_") + split_name(s), static_cast<std::int64_t>(data.split(s).size()));
    write_attribute(file, "skipped_records", data.metadata.skipped_records);
    for (const auto& [name, value] : data.metadata.attributes) {
        if (file.attrExists(name)) fail("{}: root attribute '{}' is part of the layout", path, name);
        write_attribute(file, name, value);
    }

    H5::Group atoms = file.createGroup("atoms");
    write_array(atoms, "Z", data.z, H5::PredType::STD_U8LE, H5::PredType::NATIVE_UINT8);
    write_array(atoms, "pos", data.pos, H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT, {3});
    write_attribute(atoms.openDataSet("pos"), "unit", std::string("angstrom"));

    H5::Group structures = file.createGroup("structures");
    write_array(structures, "offset", data.offset, H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64);
    write_strings(structures, "id", data.id);
    write_array(structures, "system", data.system, H5::PredType::STD_U8LE, H5::PredType::NATIVE_UINT8);
    write_attribute(structures.openDataSet("system"), "labels", std::string("0 molecule, 1 crystal"));
    write_array(structures, "lattice", data.lattice, H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT, {3, 3});
    write_attribute(structures.openDataSet("lattice"), "unit", std::string("angstrom"));
    write_strings(structures, "smiles", data.smiles);
    write_strings(structures, "geometry", data.geometry);

    H5::Group props = file.createGroup("properties");
    for (const PreparedProperty& p : data.properties) {
        write_array(props, p.name, p.values, H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE);
        write_attribute(props.openDataSet(p.name), "unit", p.unit);
    }
    H5::Group splits = file.createGroup("splits");
    for (Split s : {Split::train, Split::val, Split::test})
        write_array(splits, split_name(s), data.split(s), H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64);
    file.close();
}

// HDF5's own error stack printing is switched off once; we report through adit::Error.
void quiet_hdf5() {
    static const bool once = [] {
        H5::Exception::dontPrint();
        return true;
    }();
    (void)once;
}

}  // namespace

void write_prepared(const std::string& path, const PreparedData& data) {
    quiet_hdf5();
    data.check();
    AtomicPath out(path);
    try {
        write_file(out.tmp_path(), data);
    } catch (const H5::Exception& e) {
        fail("{}: cannot write HDF5: {} ({})", path, e.getDetailMsg(), e.getFuncName());
    }
    out.commit();
}

bool is_prepared_file(const std::string& path) {
    quiet_hdf5();
    try {
        if (!H5::H5File::isHdf5(path)) return false;
        H5::H5File file(path, H5F_ACC_RDONLY);
        return read_string_attribute(file, "format") == kPreparedFormatName;
    } catch (...) {
        return false;
    }
}

PreparedData read_prepared(const std::string& path, const ReadPreparedOptions& options) {
    quiet_hdf5();
    {
        std::ifstream probe(path, std::ios::binary);
        if (!probe) fail("{}: cannot open", path);
    }
    bool hdf5 = false;
    try {
        hdf5 = H5::H5File::isHdf5(path);
    } catch (const H5::Exception&) {
        hdf5 = false;
    }
    if (!hdf5) fail("{}: not an HDF5 file (expected a dataset written by `adit prepare`)", path);
    PreparedData data;
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        const std::string format = read_string_attribute(file, "format");
        if (format != kPreparedFormatName)
            fail("{}: an HDF5 file but not an adit prepared dataset (root attribute 'format' is '{}', expected '{}')",
                 path, format, kPreparedFormatName);
        const std::int64_t version = read_int_attribute(file, "format_version", 0);
        if (version < 1 || version > kPreparedFormatVersion)
            fail("{}: prepared-dataset format version {} is not supported by this adit (reads 1..{})", path, version,
                 kPreparedFormatVersion);
        for (const char* group : {"atoms", "structures", "splits"})
            if (!file.nameExists(group)) fail("{}: adit prepared dataset without the /{} group", path, group);

        PreparedMetadata& m = data.metadata;
        m.format_version = static_cast<int>(version);
        m.geometry = read_string_attribute(file, "geometry");
        m.command_line = read_string_attribute(file, "command_line");
        m.created_by = read_string_attribute(file, "created_by");
        m.skipped_records = read_int_attribute(file, "skipped_records", 0);
        const auto paths = read_string_list_attribute(file, "source_files");
        const auto digests = read_string_list_attribute(file, "source_sha256");
        const auto records = read_int_list_attribute(file, "source_records");
        const auto skipped = read_int_list_attribute(file, "source_skipped");
        for (std::size_t i = 0; i < paths.size(); ++i)
            m.sources.push_back({paths[i], i < digests.size() ? digests[i] : "", i < records.size() ? records[i] : 0,
                                 i < skipped.size() ? skipped[i] : 0});
        static const std::set<std::string> layout = {"format", "format_version", "geometry", "command_line", "created_by",
                                                     "source_files", "source_sha256", "source_records", "source_skipped"};
        for (int k = 0; k < file.getNumAttrs(); ++k) {
            H5::Attribute a = file.openAttribute(static_cast<unsigned>(k));
            const std::string name = a.getName();
            if (layout.count(name) || a.getDataType().getClass() != H5T_STRING || a.getSpace().getSimpleExtentNpoints() != 1)
                continue;
            std::string value;
            a.read(a.getStrType(), value);
            m.attributes.emplace_back(name, value);
        }

        H5::Group structures = file.openGroup("structures");
        data.offset = read_array<std::int64_t>(structures, "offset", H5::PredType::NATIVE_INT64);
        if (data.offset.empty()) fail("{}: /structures/offset is empty (needs n + 1 entries)", path);
        data.id = read_strings(structures, "id");
        data.system = read_array<std::uint8_t>(structures, "system", H5::PredType::NATIVE_UINT8);
        data.lattice = read_array<float>(structures, "lattice", H5::PredType::NATIVE_FLOAT);
        const auto n = data.id.size();
        data.smiles = structures.nameExists("smiles") ? read_strings(structures, "smiles") : std::vector<std::string>(n);
        data.geometry =
            structures.nameExists("geometry") ? read_strings(structures, "geometry") : std::vector<std::string>(n, m.geometry);
        if (options.atoms) {
            H5::Group atoms = file.openGroup("atoms");
            data.z = read_array<std::uint8_t>(atoms, "Z", H5::PredType::NATIVE_UINT8);
            data.pos = read_array<float>(atoms, "pos", H5::PredType::NATIVE_FLOAT);
        } else {
            // Offsets still describe the atoms; keep sizes consistent without reading them.
            data.z.assign(static_cast<std::size_t>(data.offset.back()), 0);
        }
        if (file.nameExists("properties")) {
            H5::Group props = file.openGroup("properties");
            for (hsize_t k = 0; k < props.getNumObjs(); ++k) {
                const std::string name = props.getObjnameByIdx(k);
                PreparedProperty p;
                p.name = name;
                p.values = read_array<double>(props, name, H5::PredType::NATIVE_DOUBLE);
                p.unit = read_string_attribute(props.openDataSet(name), "unit");
                data.properties.push_back(std::move(p));
            }
        }
        H5::Group splits = file.openGroup("splits");
        for (Split s : {Split::train, Split::val, Split::test})
            if (splits.nameExists(split_name(s)))
                data.split(s) = read_array<std::int64_t>(splits, split_name(s), H5::PredType::NATIVE_INT64);
    } catch (const H5::Exception& e) {
        fail("{}: cannot read the prepared dataset: {} ({})", path, e.getDetailMsg(), e.getFuncName());
    }
    if (!options.atoms) {
        data.pos.assign(3 * data.z.size(), 0.0f);
    }
    try {
        data.check();
    } catch (const Error& e) {
        fail("{}: damaged prepared dataset: {}", path, e.what());
    }
    return data;
}

std::string file_sha256(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open to compute its SHA-256", path);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) fail("SHA-256 is not available");
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) fail("{}: read error while computing its SHA-256", path);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

}  // namespace adit
