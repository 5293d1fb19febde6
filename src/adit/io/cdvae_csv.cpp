#include "adit/io/cdvae_csv.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/cif.hpp"
#include "adit/io/line_reader.hpp"

namespace adit {

namespace {

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

}  // namespace

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& path) {
    std::vector<CsvRecord> records;
    std::size_t line = 1, i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        CsvRecord record;
        record.line = line;
        bool end_of_record = false;
        while (!end_of_record) {
            std::string field;
            record.field_lines.push_back(line);
            if (i < n && text[i] == '"') {
                const std::size_t start_line = line;
                ++i;
                while (true) {
                    if (i >= n) fail_parse(path, start_line, "quoted field never closed (truncated file?)");
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (text[i] == '\n') ++line;
                    field += text[i++];
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    fail_parse(path, line, "text after a closing quote");
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field += text[i++];
            }
            record.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
            } else {
                if (i < n && text[i] == '\r') ++i;
                if (i < n && text[i] == '\n') ++i;
                ++line;
                end_of_record = true;
            }
        }
        const bool blank = record.fields.size() == 1 && trim(record.fields[0]).empty();
        if (!blank) records.push_back(std::move(record));
    }
    return records;
}

std::vector<Structure> read_cdvae_csv(const std::string& text, const std::string& path) {
    check_text_input(text, path);
    const std::vector<CsvRecord> records = parse_csv(text, path);
    if (records.empty()) fail_parse(path, 0, "no CSV header");
    const std::vector<std::string>& header = records[0].fields;
    int cif_column = -1, id_column = -1;
    for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string name(trim(header[c]));
        if (name == "cif") cif_column = static_cast<int>(c);
        if (name == "material_id") id_column = static_cast<int>(c);
    }
    if (cif_column < 0) fail_parse(path, 1, "no 'cif' column in the header (not a CDVAE CSV file?)");
    if (records.size() == 1) fail_parse(path, 0, "no rows after the header");
    std::vector<Structure> out;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        if (rec.fields.size() != header.size())
            fail_parse(path, rec.line, "row {} has {} fields but the header has {} (truncated file or broken quoting?)",
                       r, rec.fields.size(), header.size());
        const std::string id = id_column >= 0 ? rec.fields[id_column] : std::to_string(r - 1);
        const std::string label = fmt::format("row {} ({})", r, id);
        CifSource source{path, rec.field_lines[cif_column], label, {}};
        std::vector<Structure> crystals = read_cif(rec.fields[cif_column], source);
        if (crystals.size() != 1)
            fail_parse(path, rec.line, "{}: the cif field holds {} structures, expected 1", label, crystals.size());
        Structure s = std::move(crystals[0]);
        s.id = id;
        for (std::size_t c = 0; c < header.size(); ++c) {
            const std::string name(trim(header[c]));
            if (static_cast<int>(c) == cif_column || static_cast<int>(c) == id_column || name.empty()) continue;
            const std::string& value = rec.fields[c];
            if (trim(value).empty()) continue;
            if (const auto number = parse_double(value)) s.properties.set(name, *number);
            else s.properties.set(name, value);
        }
        out.push_back(std::move(s));
    }
    return out;
}

void write_cdvae_csv(std::ostream& out, const std::vector<Structure>& structures) {
    std::vector<std::string> keys;
    for (const Structure& s : structures)
        for (const auto& [key, value] : s.properties)
            if (key != "material_id" && key != "cif" && std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(key);
    fmt::print(out, "material_id,cif");
    for (const auto& k : keys) fmt::print(out, ",{}", csv_field(k));
    fmt::print(out, "\n");
    const std::vector<std::string> names = [&] {
        std::vector<std::string> ids;
        for (const Structure& s : structures) ids.push_back(s.id);
        return unique_block_names(ids);
    }();
    for (std::size_t n = 0; n < structures.size(); ++n) {
        Structure s = structures[n];
        s.id = names[n];
        std::ostringstream cif;
        write_cif(cif, {s});
        fmt::print(out, "{},{}", csv_field(names[n]), csv_field(cif.str()));
        for (const auto& k : keys) {
            const PropertyValue* v = structures[n].properties.find(k);
            std::string text;
            if (v) text = std::holds_alternative<double>(*v) ? fmt::format("{}", std::get<double>(*v)) : std::get<std::string>(*v);
            fmt::print(out, ",{}", csv_field(text));
        }
        fmt::print(out, "\n");
    }
}

}  // namespace adit
