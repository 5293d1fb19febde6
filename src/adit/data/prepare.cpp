#include "adit/data/prepare.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/interop/conformer_embedding.hpp"
#include "adit/interop/scaffold.hpp"
#include "adit/interop/structure_files.hpp"
#include "adit/io/cdvae_csv.hpp"
#include "adit/io/cif.hpp"
#include "adit/io/text_file.hpp"
#include "adit/io/xyz.hpp"

namespace adit::data {

std::string property_unit(const std::string& name) {
    static const std::map<std::string, std::string> units = {
        // QM9 (Ramakrishnan et al. 2014), upstream units
        {"A", "GHz"}, {"B", "GHz"}, {"C", "GHz"}, {"mu", "debye"}, {"alpha", "bohr^3"},
        {"homo", "hartree"}, {"lumo", "hartree"}, {"gap", "hartree"}, {"r2", "bohr^2"},
        {"zpve", "hartree"}, {"U0", "hartree"}, {"U", "hartree"}, {"H", "hartree"}, {"G", "hartree"},
        {"Cv", "cal/(mol K)"},
        // QM7 (Rupp et al. 2012)
        {"hof", "kcal/mol"},
        // Materials Project / CDVAE datasets
        {"formation_energy_per_atom", "eV/atom"}, {"band_gap", "eV"}, {"e_above_hull", "eV/atom"},
        {"energy_per_atom", "eV/atom"}, {"heat_all", "eV/atom"}, {"heat_ref", "eV/atom"},
        {"dir_gap", "eV"}, {"ind_gap", "eV"},
    };
    const auto it = units.find(name);
    return it == units.end() ? "" : it->second;
}

namespace {

std::string strip_location(const ParseError& e) {
    std::string what = e.what();
    const std::string prefix = e.line() ? fmt::format("{}:{}: ", e.path(), e.line()) : fmt::format("{}: ", e.path());
    if (starts_with(what, prefix)) what = what.substr(prefix.size());
    return what;
}

struct Collector {
    const PrepareOptions& options;
    PrepareReport& report;
    PreparedSource& source;

    // A malformed record: rethrown in fail mode, counted and logged in skip mode.
    void bad_record(const std::string& message) {
        if (options.on_error == OnError::fail) throw Error(message);
        ++report.skipped;
        ++source.skipped;
        if (report.messages.size() < 50) report.messages.push_back("skipped: " + message);
        log_warn("skipped {}", message);
    }
};

// Extended/plain XYZ, one frame at a time so a bad frame can be skipped.
std::vector<Structure> read_xyz_records(const std::string& path, Collector& c) {
    const std::string text = read_text_file(path);
    if (c.options.on_error == OnError::fail) return read_xyz(text, path);
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(std::string_view(text).substr(start, end - start));
        start = end + 1;
    }
    std::vector<Structure> out;
    std::size_t frame = 0;
    for (std::size_t i = 0; i < lines.size();) {
        if (trim(lines[i]).empty()) {
            ++i;
            continue;
        }
        ++frame;
        const auto count = parse_int(trim(lines[i]));
        if (!count || *count < 0) {
            c.bad_record(fmt::format("{}:{}: frame {}: expected the number of atoms, found '{}'", path, i + 1, frame, trim(lines[i])));
            // resynchronise on the next line holding a lone integer
            for (++i; i < lines.size() && !parse_int(trim(lines[i])); ++i) {
            }
            continue;
        }
        const std::size_t end = std::min(lines.size(), i + 2 + static_cast<std::size_t>(*count));
        std::string frame_text;
        for (std::size_t k = i; k < end; ++k) (frame_text += lines[k]) += '\n';
        try {
            std::vector<Structure> one = read_xyz(frame_text, path);
            for (Structure& s : one) out.push_back(std::move(s));
        } catch (const ParseError& e) {
            std::string what = strip_location(e);
            if (starts_with(what, "frame 1: ")) what = fmt::format("frame {}: {}", frame, what.substr(9));
            c.bad_record(fmt::format("{}:{}: {}", path, e.line() ? e.line() + i : i + 1, what));
        }
        i = end;
    }
    return out;
}

// CDVAE CSV row by row (the same columns as read_cdvae_csv: material_id, cif, properties).
std::vector<Structure> read_cdvae_records(const std::string& path, Collector& c) {
    const std::string text = read_text_file(path);
    if (c.options.on_error == OnError::fail) return read_cdvae_csv(text, path);
    const std::vector<CsvRecord> records = parse_csv(text, path);
    if (records.empty()) fail_parse(path, 0, "no CSV header");
    const std::vector<std::string>& header = records[0].fields;
    int cif_column = -1, id_column = -1;
    for (std::size_t k = 0; k < header.size(); ++k) {
        const std::string name(trim(header[k]));
        if (name == "cif") cif_column = static_cast<int>(k);
        if (name == "material_id") id_column = static_cast<int>(k);
    }
    if (cif_column < 0) fail_parse(path, 1, "no 'cif' column in the header (not a CDVAE CSV file?)");
    std::vector<Structure> out;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        if (rec.fields.size() != header.size()) {
            c.bad_record(fmt::format("{}:{}: row {} has {} fields but the header has {}", path, rec.line, r,
                                     rec.fields.size(), header.size()));
            continue;
        }
        const std::string id = id_column >= 0 ? rec.fields[id_column] : std::to_string(r - 1);
        try {
            std::vector<Structure> crystals =
                read_cif(rec.fields[cif_column], CifSource{path, rec.field_lines[cif_column], fmt::format("row {} ({})", r, id), {}});
            if (crystals.size() != 1) fail_parse(path, rec.line, "row {} ({}): the cif field holds {} structures", r, id, crystals.size());
            Structure s = std::move(crystals[0]);
            s.id = id;
            for (std::size_t k = 0; k < header.size(); ++k) {
                const std::string name(trim(header[k]));
                if (static_cast<int>(k) == cif_column || static_cast<int>(k) == id_column || name.empty()) continue;
                if (trim(rec.fields[k]).empty()) continue;
                if (const auto number = parse_double(rec.fields[k])) s.properties.set(name, *number);
                else s.properties.set(name, rec.fields[k]);
            }
            out.push_back(std::move(s));
        } catch (const Error& e) {
            c.bad_record(e.what());
        }
    }
    return out;
}

std::vector<Structure> read_structure_records(const std::string& path, const std::optional<FileFormat>& format, Collector& c) {
    const FileFormat f = format ? *format : format_from_path(path);
    if (f == FileFormat::xyz || f == FileFormat::extxyz) return read_xyz_records(path, c);
    if (f == FileFormat::cdvae_csv) return read_cdvae_records(path, c);
    if (c.options.on_error == OnError::skip)
        log_warn("{}: --on-error skip reads {} files whole: a malformed record still stops this file", path, format_name(f));
    ReadOptions ro;
    ro.format = f;
    return read_structures(path, ro);
}

// Ids that survive across files: QM9 frames and SMILES rows by gdb index, QM7 by its id.
void normalise_id(Structure& s, const std::string& path, std::size_t record) {
    if (const auto gdb = s.properties.number("gdb_index"); gdb && (s.id.empty() || s.id == std::to_string(static_cast<long long>(*gdb)))) {
        s.id = fmt::format("gdb_{}", static_cast<long long>(*gdb));
        return;
    }
    if (!s.id.empty()) return;
    if (const PropertyValue* q = s.properties.find("qm7_id")) {
        s.id = "qm7_" + (std::holds_alternative<std::string>(*q) ? std::get<std::string>(*q)
                                                                   : fmt::format("{:04d}", static_cast<long long>(std::get<double>(*q))));
        return;
    }
    s.id = fmt::format("{}#{}", std::filesystem::path(path).filename().string(), record + 1);
}

std::string recognised_origin(const std::string& path, const std::optional<FileFormat>& format, const std::vector<Structure>& s) {
    const FileFormat f = format ? *format : format_from_path(path);
    if (f == FileFormat::cdvae_csv) return "dft";  // MP-20, perov-5, carbon-24: DFT-relaxed cells
    if (!s.empty() && s.front().properties.number("gdb_index")) return "dft";  // QM9 B3LYP/6-31G(2df,p)
    return "input";
}

std::vector<std::pair<int, int>> structure_formula(const Structure& s) {
    std::map<int, int> counts;
    for (int z : s.numbers) ++counts[z];
    return {counts.begin(), counts.end()};
}

std::unordered_set<std::string> ids_of(const std::string& path, const std::optional<FileFormat>& format) {
    std::unordered_set<std::string> ids;
    if (is_smiles_list(path)) {
        for (const SmilesRecord& r : read_smiles_list(path)) ids.insert(r.id);
        return ids;
    }
    ReadOptions ro;
    ro.format = format;
    std::vector<Structure> all = read_structures(path, ro);
    for (std::size_t k = 0; k < all.size(); ++k) {
        normalise_id(all[k], path, k);
        ids.insert(all[k].id);
    }
    return ids;
}

}  // namespace

bool is_smiles_list(const std::string& path) {
    std::string inner = path;
    strip_gz_suffix(path, &inner);
    const std::string lower = to_lower(inner);
    if (ends_with(lower, ".smi") || ends_with(lower, ".smiles") || ends_with(lower, ".txt")) return true;
    if (!ends_with(lower, ".csv")) return false;
    const std::string text = read_text_file(path);
    const std::string header = to_lower(text.substr(0, text.find('\n')));
    for (const std::string& column : split(header, ','))
        if (trim(column) == "smiles") return true;
    return false;
}

std::vector<SmilesRecord> read_smiles_list(const std::string& path) {
    const std::string text = read_text_file(path);
    std::string inner = path;
    strip_gz_suffix(path, &inner);
    std::vector<SmilesRecord> out;
    if (ends_with(to_lower(inner), ".csv")) {
        const std::vector<CsvRecord> records = parse_csv(text, path);
        if (records.empty()) fail_parse(path, 0, "empty SMILES list");
        int smiles_column = -1, id_column = -1;
        bool gdb = false;
        for (std::size_t c = 0; c < records[0].fields.size(); ++c) {
            const std::string name = to_lower(trim(records[0].fields[c]));
            if (name == "smiles") smiles_column = static_cast<int>(c);
            if (id_column < 0 && (name == "gdb_index" || name == "id" || name == "name" || name == "mol_id")) {
                id_column = static_cast<int>(c);
                gdb = name == "gdb_index";
            }
        }
        if (smiles_column < 0) fail_parse(path, 1, "no 'smiles' column in the header");
        for (std::size_t r = 1; r < records.size(); ++r) {
            const CsvRecord& rec = records[r];
            if (static_cast<int>(rec.fields.size()) <= std::max(smiles_column, id_column) || trim(rec.fields[smiles_column]).empty())
                fail_parse(path, rec.line, "row {} has no SMILES", r);
            SmilesRecord s;
            s.smiles = std::string(trim(rec.fields[smiles_column]));
            s.line = rec.line;
            if (id_column >= 0) {
                const std::string id(trim(rec.fields[id_column]));
                s.id = gdb ? "gdb_" + id : id;
            } else {
                s.id = fmt::format("{}#{}", std::filesystem::path(path).filename().string(), r);
            }
            out.push_back(std::move(s));
        }
        return out;
    }
    std::size_t line = 0, start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        ++line;
        const auto fields = split_whitespace(std::string_view(text).substr(start, end - start));
        start = end + 1;
        if (fields.empty() || fields[0][0] == '#') continue;
        SmilesRecord s;
        s.smiles = fields[0];
        s.id = fields.size() > 1 ? fields[1] : fmt::format("{}#{}", std::filesystem::path(path).filename().string(), out.size() + 1);
        s.line = line;
        out.push_back(std::move(s));
    }
    if (out.empty()) fail_parse(path, 0, "no SMILES");
    return out;
}

PreparedData prepare_dataset(const PrepareOptions& options, PrepareReport* report_out, const ProgressCallback& progress) {
    PrepareReport local;
    PrepareReport& report = report_out ? *report_out : local;
    report = PrepareReport{};
    if (options.inputs.empty()) fail("no input files (give --input, or --train/--val/--test)");
    if (!options.geometry.empty() && options.geometry != "etkdg-mmff")
        fail("--geometry '{}': the supported generator is etkdg-mmff", options.geometry);
    const bool per_file = std::any_of(options.inputs.begin(), options.inputs.end(), [](const PrepareInput& i) { return i.split.has_value(); });
    if (per_file) {
        for (const PrepareInput& in : options.inputs)
            if (!in.split) fail("{}: mix --train/--val/--test files with --input is ambiguous: give every file a split", in.path);
        if (options.split.kind != SplitSpec::Kind::none) fail("--split cannot be combined with --train/--val/--test files");
    }
    std::vector<int> proxy_z;
    for (const std::string& symbol : options.proxy_elements) {
        const int z = atomic_number(symbol);
        if (z == 0) fail("--proxy-elements: '{}' is not an element symbol", symbol);
        proxy_z.push_back(z);
    }

    std::unordered_set<std::string> excluded;
    for (const std::string& path : options.exclude) {
        const auto ids = ids_of(path, std::nullopt);
        excluded.insert(ids.begin(), ids.end());
        log_info("{}: {} ids to exclude", path, ids.size());
    }

    // --smiles-from: known SMILES by id (e.g. QM9's GDB SMILES by gdb_index), preferred to
    // Open Babel perception for molecules read from geometry files.
    std::unordered_map<std::string, std::string> known_smiles;
    for (const std::string& path : options.smiles_from) {
        std::size_t n = 0;
        for (SmilesRecord& r : read_smiles_list(path))
            if (!r.id.empty()) {
                known_smiles[r.id] = std::move(r.smiles);
                ++n;
            }
        log_info("{}: {} SMILES by id", path, n);
    }

    struct Part {
        std::vector<Structure> structures;
        std::vector<std::string> smiles, origin;
        std::optional<Split> split;
        std::size_t input = 0;
    };
    std::vector<Part> parts(options.inputs.size());
    std::vector<PreparedSource> sources(options.inputs.size());
    std::unordered_set<std::string> structure_ids;

    // Structure files first (their ids decide which SMILES still need a proxy geometry).
    std::vector<std::size_t> order;
    for (std::size_t k = 0; k < options.inputs.size(); ++k)
        if (!is_smiles_list(options.inputs[k].path)) order.push_back(k);
    for (std::size_t k = 0; k < options.inputs.size(); ++k)
        if (is_smiles_list(options.inputs[k].path)) order.push_back(k);

    for (std::size_t k : order) {
        const PrepareInput& in = options.inputs[k];
        PreparedSource& source = sources[k];
        source.path = in.path;
        source.sha256 = file_sha256(in.path);
        Part& part = parts[k];
        part.split = in.split;
        part.input = k;
        Collector collect{options, report, source};
        if (is_smiles_list(in.path)) {
            if (options.geometry != "etkdg-mmff")
                fail("{}: a SMILES list has no coordinates: add --geometry etkdg-mmff to embed them", in.path);
            std::vector<SmilesRecord> records = read_smiles_list(in.path);
            if (options.limit > 0 && static_cast<std::int64_t>(records.size()) > options.limit) records.resize(static_cast<std::size_t>(options.limit));
            std::vector<SmilesRecord> todo;
            for (SmilesRecord& r : records) {
                if (excluded.count(r.id)) {
                    ++report.excluded;
                    continue;
                }
                if (structure_ids.count(r.id)) {
                    ++report.duplicates;
                    continue;
                }
                if (!proxy_z.empty()) {
                    const std::vector<int> z = smiles_elements(r.smiles);
                    if (std::none_of(proxy_z.begin(), proxy_z.end(), [&](int e) { return std::binary_search(z.begin(), z.end(), e); })) {
                        ++report.filtered;
                        continue;
                    }
                }
                todo.push_back(std::move(r));
            }
            log_info("{}: embedding {} of {} SMILES with ETKDGv3 (Open Babel builder where it fails) + MMFF94", in.path, todo.size(), records.size());
            std::vector<std::string> smiles, ids;
            for (const SmilesRecord& r : todo) {
                smiles.push_back(r.smiles);
                ids.push_back(r.id);
            }
            EmbedOptions eo;
            eo.seed = options.seed;
            eo.threads = options.threads;
            EmbedBatchResult result = embed_smiles_batch(smiles, ids, eo, progress);
            for (std::size_t i = 0; i < todo.size(); ++i) {
                const EmbedOutcome& o = result.outcomes[i];
                if (!o.ok) {
                    ++report.embed_failed;
                    ++source.skipped;
                    const std::string message = fmt::format("{}:{}: {} ({}): {}", in.path, todo[i].line, todo[i].id, todo[i].smiles, o.error);
                    if (report.messages.size() < 50) report.messages.push_back("not embedded: " + message);
                    log_warn("not embedded: {}", message);
                    continue;
                }
                ++report.embedded;
                if (o.method == "openbabel") ++report.embedded_openbabel;
                if (!o.mmff_converged) ++report.mmff_not_converged;
                Structure s = std::move(result.structures[i]);
                s.bonds.clear();  // connectivity lives in the SMILES column
                s.charges.clear();
                if (todo[i].id.rfind("gdb_", 0) == 0)
                    if (const auto n = parse_int(todo[i].id.substr(4))) s.properties.set("gdb_index", static_cast<double>(*n));
                part.smiles.push_back(o.canonical_smiles);
                part.origin.push_back(o.geometry);
                part.structures.push_back(std::move(s));
            }
        } else {
            std::vector<Structure> read = read_structure_records(in.path, options.format, collect);
            if (options.limit > 0 && static_cast<std::int64_t>(read.size()) > options.limit) read.resize(static_cast<std::size_t>(options.limit));
            const std::string origin = options.geometry_label.empty() ? recognised_origin(in.path, options.format, read) : options.geometry_label;
            for (std::size_t r = 0; r < read.size(); ++r) {
                Structure& s = read[r];
                normalise_id(s, in.path, r);
                if (excluded.count(s.id)) {
                    ++report.excluded;
                    continue;
                }
                structure_ids.insert(s.id);
                part.structures.push_back(std::move(s));
                part.origin.push_back(origin);
            }
            // SMILES of molecules from their geometry
            std::vector<std::size_t> molecules;
            for (std::size_t r = 0; r < part.structures.size(); ++r)
                if (!part.structures[r].is_periodic()) molecules.push_back(r);
            part.smiles.assign(part.structures.size(), "");
            // Where the SMILES of a molecule comes from, first match wins:
            //  1. the record names it (an SDF data item `smiles`): kept verbatim, the user's
            //     statement; files cut for geometry training (eval/conformer/prepare_qm9.py) rely
            //     on its atom order (RDKit, explicit H) being the coordinates' order;
            //  2. --smiles-from lists one for the id, with the geometry's formula (hydrogens
            //     included) and connectivity: stored canonical;
            //  3. perceived from the geometry (Open Babel), unless --no-smiles.
            std::vector<std::size_t> perceive;
            for (std::size_t r : molecules) {
                const PropertyValue* named = part.structures[r].properties.find("smiles");
                const std::string* text = named ? std::get_if<std::string>(named) : nullptr;
                if (text && !text->empty()) {
                    part.smiles[r] = *text;
                    continue;
                }
                const auto it = known_smiles.find(part.structures[r].id);
                if (it != known_smiles.end()) {
                    const std::string canonical = canonical_smiles(it->second);
                    if (!canonical.empty() && smiles_formula(it->second) == structure_formula(part.structures[r]) &&
                        smiles_matches_geometry(it->second, part.structures[r])) {
                        part.smiles[r] = canonical;
                        ++report.smiles_listed;
                        continue;
                    }
                    ++report.smiles_list_mismatch;
                    if (report.messages.size() < 50)
                        report.messages.push_back(fmt::format("{}: {}: listed SMILES {} is not the geometry's formula and connectivity; perceived instead",
                                                              in.path, part.structures[r].id, it->second));
                }
                perceive.push_back(r);
            }
            if (options.smiles && !perceive.empty()) {
                std::vector<Structure> mols;
                for (std::size_t r : perceive) mols.push_back(part.structures[r]);
                const std::vector<std::string> smiles = smiles_from_geometry_batch(mols, options.threads, progress);
                for (std::size_t m = 0; m < perceive.size(); ++m) part.smiles[perceive[m]] = smiles[m];
            }
            log_info("{}: {} structures", in.path, part.structures.size());
        }
        source.records = static_cast<std::int64_t>(part.structures.size());
    }

    PreparedData data;
    std::vector<std::int64_t> scaffold_order;
    for (Part& part : parts) {
        for (std::size_t r = 0; r < part.structures.size(); ++r) {
            const Structure& s = part.structures[r];
            if (!s.is_periodic() && part.smiles[r].empty()) ++report.smiles_unknown;
            const std::int64_t index = data.append(s, part.smiles[r], part.origin[r]);
            if (part.split) data.split(*part.split).push_back(index);
        }
    }
    for (PreparedProperty& p : data.properties) p.unit = property_unit(p.name);
    if (!per_file) {
        SplitIndices splits;
        const std::int64_t n = data.size();
        switch (options.split.kind) {
            case SplitSpec::Kind::none:
                splits[0].resize(static_cast<std::size_t>(n));
                for (std::int64_t i = 0; i < n; ++i) splits[0][static_cast<std::size_t>(i)] = i;
                break;
            case SplitSpec::Kind::random: splits = random_split(n, options.split.fractions, options.seed); break;
            case SplitSpec::Kind::scaffold: {
                std::vector<std::string> keys(static_cast<std::size_t>(n));
                for (std::int64_t i = 0; i < n; ++i) {
                    if (data.is_crystal(i)) fail("--split scaffold applies to molecules; {} is a crystal", data.id[i]);
                    keys[static_cast<std::size_t>(i)] = murcko_scaffold(data.smiles[static_cast<std::size_t>(i)]);
                }
                splits = scaffold_split(keys, options.split.fractions);
                break;
            }
        }
        for (int k = 0; k < 3; ++k) data.splits[k] = std::move(splits[k]);
    }

    PreparedMetadata& m = data.metadata;
    m.command_line = options.command_line;
    m.sources = sources;
    m.skipped_records = report.skipped + report.embed_failed;
    report.structures = data.size();
    for (std::int64_t i = 0; i < data.size(); ++i) (data.is_crystal(i) ? report.crystals : report.molecules)++;
    if (data.size() == 0) fail("no structures left to write (all inputs empty, skipped or excluded)");
    return data;
}

}  // namespace adit::data
