#include "eval_inputs.hpp"

#include <filesystem>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/parallel.hpp"
#include "adit/core/text.hpp"
#include "adit/interop/molecule_validity.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/io/cdvae_csv.hpp"
#include "adit/io/cif.hpp"
#include "adit/io/format.hpp"
#include "adit/io/hdf5_store.hpp"
#include "adit/io/text_file.hpp"

namespace adit::cli {

namespace {

bool is_hdf5_path(const std::string& path) {
    std::string lower = path;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto ends = [&](const std::string& e) { return lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0; };
    return ends(".h5") || ends(".hdf5");
}

// A prepared dataset (adit prepare / adit sample layout, io/hdf5_store.hpp): all structures in
// stored order, or the indices of one split in the order the split lists them.
std::vector<Structure> load_prepared(const std::string& path, const std::string& split) {
    if (!is_prepared_file(path)) fail("{}: not an adit HDF5 dataset (format attribute is not \"{}\")", path, kPreparedFormatName);
    const PreparedData data = read_prepared(path);
    std::vector<Structure> out;
    if (split.empty()) {
        out.reserve(static_cast<std::size_t>(data.size()));
        for (std::int64_t i = 0; i < data.size(); ++i) out.push_back(data.structure(i));
    } else {
        const std::vector<std::int64_t>& indices = data.split(split_from_name(split));
        out.reserve(indices.size());
        for (std::int64_t i : indices) out.push_back(data.structure(i));
        if (out.empty()) log_warn("{}: split '{}' is empty", path, split);
    }
    return out;
}

}  // namespace

std::vector<Structure> load_structures(const std::string& path, const std::string& split) {
    if (!std::filesystem::exists(path)) fail("{}: no such file or directory", path);
    if (is_hdf5_path(path)) return load_prepared(path, split);
    if (!split.empty()) fail("{}: --split selects a split of an HDF5 dataset (.h5); this is not one", path);
    return read_structures(path);
}

std::size_t LoadedStructures::failed() const {
    std::size_t n = 0;
    for (const std::string& e : errors) n += !e.empty();
    return n;
}

LoadedStructures load_structures_tolerant(const std::string& path, const std::string& split) {
    LoadedStructures out;
    bool csv = false;
    try {
        csv = !std::filesystem::is_directory(path) && format_from_path(path) == FileFormat::cdvae_csv;
    } catch (const std::exception&) {
        csv = false;
    }
    if (!csv || !split.empty()) {
        out.structures = load_structures(path, split);
        out.errors.assign(out.structures.size(), std::string());
        return out;
    }
    // Row by row with the io layer's own CSV and CIF parsers, so one unreadable row is one
    // invalid sample rather than a failed run.
    const std::vector<CsvRecord> records = parse_csv(read_text_file(path), path);
    if (records.empty()) fail_parse(path, 0, "no CSV header");
    int cif_column = -1, id_column = -1;
    for (std::size_t c = 0; c < records[0].fields.size(); ++c) {
        const std::string name(trim(records[0].fields[c]));
        if (name == "cif") cif_column = static_cast<int>(c);
        if (name == "material_id") id_column = static_cast<int>(c);
    }
    if (cif_column < 0) fail_parse(path, 1, "no 'cif' column in the header (not a CDVAE CSV file?)");
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        const std::string id = id_column >= 0 && static_cast<int>(rec.fields.size()) > id_column
                                   ? rec.fields[id_column]
                                   : std::to_string(r - 1);
        Structure s;
        s.id = id;
        std::string error;
        try {
            if (static_cast<int>(rec.fields.size()) <= cif_column) fail("row {} has no cif field", r);
            std::vector<Structure> crystals =
                read_cif(rec.fields[cif_column], CifSource{path, rec.field_lines[cif_column], "row " + std::to_string(r), {}});
            if (crystals.size() != 1) fail("the cif field holds {} structures, expected 1", crystals.size());
            s = std::move(crystals[0]);
            s.id = id;
        } catch (const std::exception& e) {
            error = e.what();
        }
        out.structures.push_back(std::move(s));
        out.errors.push_back(std::move(error));
    }
    if (out.failed() > 0) log_warn("{}: {} of {} rows could not be read; they count as invalid", path, out.failed(), out.structures.size());
    return out;
}

std::unordered_set<std::string> load_reference_smiles(const std::string& path, int threads, const std::string& which_split) {
    std::string lower = path;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.size() > 3 && lower.compare(lower.size() - 3, 3, ".gz") == 0) lower.resize(lower.size() - 3);
    auto ends = [&](const char* ext) {
        std::string e(ext);
        return lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0;
    };
    std::vector<std::string> smiles;
    if (ends(".smi") || ends(".txt") || ends(".csv")) {
        const std::string text = read_text_file(path);
        std::vector<std::string> lines = split(text, '\n');
        int column = 0;
        std::size_t first = 0;
        if (ends(".csv")) {
            if (lines.empty()) fail("{}: empty reference file", path);
            std::vector<std::string> header = split(lines[0], ',');
            column = -1;
            for (std::size_t c = 0; c < header.size(); ++c)
                if (std::string(trim(header[c])) == "smiles" || std::string(trim(header[c])) == "SMILES") column = static_cast<int>(c);
            if (column < 0) fail("{}: no `smiles` column in the header", path);
            first = 1;
        }
        for (std::size_t i = first; i < lines.size(); ++i) {
            std::string line(trim(lines[i]));
            if (line.empty() || line[0] == '#') continue;
            if (ends(".csv")) {
                std::vector<std::string> f = split(line, ',');
                if (static_cast<int>(f.size()) > column) smiles.emplace_back(trim(f[column]));
            } else {
                std::vector<std::string> f = split_whitespace(line);
                if (!f.empty()) smiles.push_back(f[0]);
            }
        }
    } else {
        const std::vector<Structure> mols = load_structures(path, which_split);
        smiles.resize(mols.size());
        parallel_for(mols.size(), threads, [&](std::size_t i) {
            interop::MoleculeVerdict v = interop::check_molecule(mols[i]);
            if (v.valid) smiles[i] = v.smiles;
        });
    }
    std::vector<std::string> keys(smiles.size());
    parallel_for(smiles.size(), threads, [&](std::size_t i) {
        if (!smiles[i].empty()) keys[i] = interop::molecule_novelty_key(smiles[i]);
    });
    std::unordered_set<std::string> out;
    for (auto& k : keys)
        if (!k.empty()) out.insert(std::move(k));
    log_info("reference: {} distinct molecules from {}", out.size(), path);
    return out;
}

}  // namespace adit::cli
