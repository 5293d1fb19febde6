// XYZ / extended XYZ reader and writer. The extended dialect follows ASE's ase.io.extxyz: the
// comment line is a list of key=value pairs, values may be "double quoted" (with \" escapes)
// or {braced}, and a bare key means true.
#include "adit/io/xyz.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cctype>
#include <optional>
#include <string_view>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/line_reader.hpp"

namespace adit {

namespace {

struct KeyValue {
    std::string key, value;
};

// Splits an extended-XYZ comment line into key=value pairs; nullopt if it is not one (an
// unbalanced quote or a stray '='), in which case the line is a plain title.
std::optional<std::vector<KeyValue>> parse_key_values(std::string_view line) {
    std::vector<KeyValue> out;
    std::size_t i = 0;
    auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    auto read_quoted = [&](std::string& dst) {  // at an opening quote; false if unbalanced
        const char q = line[i++];
        while (i < line.size() && line[i] != q) {
            if (line[i] == '\\' && i + 1 < line.size()) ++i;
            dst += line[i++];
        }
        if (i >= line.size()) return false;
        ++i;
        return true;
    };
    while (true) {
        while (i < line.size() && is_space(line[i])) ++i;
        if (i >= line.size()) break;
        KeyValue kv;
        if (line[i] == '"' || line[i] == '\'') {
            if (!read_quoted(kv.key)) return std::nullopt;
        } else {
            while (i < line.size() && !is_space(line[i]) && line[i] != '=') kv.key += line[i++];
        }
        if (kv.key.empty()) return std::nullopt;
        if (i < line.size() && line[i] == '=') {
            ++i;
            if (i < line.size() && (line[i] == '"' || line[i] == '\'')) {
                if (!read_quoted(kv.value)) return std::nullopt;
            } else if (i < line.size() && line[i] == '{') {
                const std::size_t close = line.find('}', i);
                if (close == std::string_view::npos) return std::nullopt;
                kv.value = std::string(line.substr(i + 1, close - i - 1));
                i = close + 1;
            } else {
                while (i < line.size() && !is_space(line[i])) {
                    if (line[i] == '=') return std::nullopt;
                    kv.value += line[i++];
                }
            }
        } else {
            kv.value = "T";  // a bare key is a true flag, as in ASE
        }
        out.push_back(std::move(kv));
    }
    return out;
}

struct Column {
    std::string name;
    char type = 'R';
    int width = 1;
};

// The per-atom columns of one frame and where species and positions sit among them.
struct AtomColumns {
    std::size_t total = 4;
    std::size_t species = 0;  // column index of the symbol (or atomic number)
    bool species_is_number = false;
    std::size_t pos = 1;  // first of three position columns
};

class XyzReader {
public:
    XyzReader(const std::string& text, const std::string& path) : path_(path), lines_(text) {}

    std::vector<Structure> read() {
        std::vector<Structure> frames;
        std::string_view line;
        while (lines_.next(line)) {
            if (trim(line).empty()) continue;  // blank lines between frames and at the end
            frames.push_back(read_frame(line, frames.size() + 1));
        }
        if (frames.empty()) fail_parse(path_, 0, "no XYZ frames");
        return frames;
    }

private:
    template <typename... Args>
    [[noreturn]] void fail_here(std::size_t frame, fmt::format_string<Args...> f, Args&&... args) {
        throw ParseError(path_, lines_.line_number(),
                         fmt::format("frame {}: {}", frame, fmt::format(f, std::forward<Args>(args)...)));
    }

    Structure read_frame(std::string_view count_line, std::size_t frame) {
        const auto count = parse_int(count_line);
        if (!count)
            fail_here(frame, "expected the number of atoms, found '{}'{}", trim(count_line),
                      frame > 1 ? " (does the previous frame's atom count match its atom lines?)" : "");
        if (*count < 0) fail_here(frame, "negative number of atoms {}", *count);
        Structure s;
        std::string_view comment;
        if (!lines_.next(comment)) fail_here(frame, "the file ends before the comment line");
        const AtomColumns columns = read_comment(comment, frame, s);
        const std::size_t n = static_cast<std::size_t>(*count);
        s.numbers.reserve(n);
        s.positions.reserve(n);
        std::string_view atom_line;
        for (std::size_t k = 0; k < n; ++k) {
            if (!lines_.next(atom_line))
                fail_here(frame, "the file ends after {} of {} atom lines (truncated, or wrong atom count)", k, n);
            read_atom(atom_line, columns, frame, s);
        }
        try {
            s.validate();
        } catch (const Error& e) {
            fail_here(frame, "{}", e.what());
        }
        return s;
    }

    AtomColumns read_comment(std::string_view comment, std::size_t frame, Structure& s) {
        AtomColumns columns;
        const bool looks_extended = comment.find("Lattice=") != std::string_view::npos ||
                                    comment.find("Properties=") != std::string_view::npos;
        std::optional<std::vector<KeyValue>> pairs;
        if (comment.find('=') != std::string_view::npos) pairs = parse_key_values(comment);
        if (!pairs) {
            if (looks_extended) fail_here(frame, "cannot parse the extended XYZ comment line (unbalanced quote?)");
            s.id = std::string(trim(comment));
            return columns;
        }
        std::optional<Lattice> lattice;
        bool periodic = true;  // ASE: a Lattice without pbc means periodic
        for (const KeyValue& kv : *pairs) {
            const std::string key = to_lower(kv.key);
            if (key == "lattice") {
                lattice = parse_lattice(kv.value, frame);
            } else if (key == "properties") {
                columns = parse_properties(kv.value, frame);
            } else if (key == "pbc") {
                const auto flags = split_whitespace(kv.value);
                periodic = false;
                for (const auto& f : flags) periodic = periodic || f == "T" || f == "True" || f == "true" || f == "1";
            } else if (kv.key == "id" && s.id.empty()) {
                s.id = kv.value;
            } else if (const auto number = parse_double(kv.value)) {
                s.properties.set(kv.key, *number);
            } else {
                s.properties.set(kv.key, kv.value);
            }
        }
        if (lattice && periodic) s.lattice = lattice;
        return columns;
    }

    Lattice parse_lattice(const std::string& value, std::size_t frame) {
        const auto fields = split_whitespace(value);
        if (fields.size() != 9) fail_here(frame, "Lattice needs 9 numbers, found {}", fields.size());
        Eigen::Matrix3d m;
        for (int k = 0; k < 9; ++k) {
            const auto v = parse_double(fields[k]);
            if (!v) fail_here(frame, "Lattice entry {} is not a finite number: '{}'", k + 1, fields[k]);
            m(k / 3, k % 3) = *v;
        }
        Lattice lattice(m);
        if (lattice.is_singular()) fail_here(frame, "the lattice is singular (volume {:.3g} Å^3)", lattice.volume());
        return lattice;
    }

    AtomColumns parse_properties(const std::string& value, std::size_t frame) {
        const auto parts = split(value, ':');
        if (parts.size() % 3 != 0) fail_here(frame, "Properties='{}' is not a list of name:type:columns", value);
        AtomColumns c;
        c.total = 0;
        bool have_species = false, have_pos = false;
        for (std::size_t k = 0; k < parts.size(); k += 3) {
            Column col{parts[k], parts[k + 1].empty() ? '?' : parts[k + 1][0], 0};
            const auto width = parse_int(parts[k + 2]);
            if (!width || *width < 1 || parts[k + 1].size() != 1 || std::string("SRIL").find(col.type) == std::string::npos)
                fail_here(frame, "bad column '{}:{}:{}' in Properties", parts[k], parts[k + 1], parts[k + 2]);
            col.width = static_cast<int>(*width);
            if ((col.name == "species" && col.type == 'S') || (col.name == "Z" && col.type == 'I' && !have_species)) {
                c.species = c.total;
                c.species_is_number = col.type == 'I';
                have_species = true;
            } else if (col.name == "pos" && col.type == 'R' && col.width == 3) {
                c.pos = c.total;
                have_pos = true;
            }
            c.total += static_cast<std::size_t>(col.width);
        }
        if (!have_species) fail_here(frame, "Properties has no species:S:1 (or Z:I:1) column");
        if (!have_pos) fail_here(frame, "Properties has no pos:R:3 column");
        return c;
    }

    void read_atom(std::string_view line, const AtomColumns& c, std::size_t frame, Structure& s) {
        const auto fields = split_whitespace(line);
        if (fields.size() < c.total)
            fail_here(frame, "atom line has {} columns, expected {} (truncated, or wrong atom count?)", fields.size(),
                      c.total);
        const std::string& species = fields[c.species];
        int z = atomic_number(species);
        if (z == 0) {
            if (const auto number = parse_int(species); number && is_known_element(static_cast<int>(*number)))
                z = static_cast<int>(*number);
            else
                fail_here(frame, "unknown element '{}'", species);
        }
        Eigen::Vector3d r;
        for (int k = 0; k < 3; ++k) {
            const auto v = parse_double(fields[c.pos + k]);
            if (!v) fail_here(frame, "coordinate '{}' is not a finite number", fields[c.pos + k]);
            r[k] = *v;
        }
        s.numbers.push_back(z);
        s.positions.push_back(r);
    }

    const std::string& path_;
    LineReader lines_;
};

// A property value as ASE would read it back: numbers bare, text in double quotes when needed.
std::string format_value(const PropertyValue& v) {
    if (const double* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
    const std::string& text = std::get<std::string>(v);
    bool plain = !text.empty();
    for (char ch : text)
        if (std::isspace(static_cast<unsigned char>(ch)) || ch == '"' || ch == '\'' || ch == '=' || ch == '\\' ||
            ch == '{' || ch == '}')
            plain = false;
    if (plain) return text;
    std::string quoted = "\"";
    for (char ch : text) {
        if (ch == '"' || ch == '\\') quoted += '\\';
        quoted += ch == '\n' ? ' ' : ch;
    }
    return quoted + "\"";
}

std::string format_key(const std::string& key) {
    const PropertyValue as_text = key;
    return format_value(as_text);
}

}  // namespace

std::vector<Structure> read_xyz(const std::string& text, const std::string& path) {
    check_text_input(text, path);
    return XyzReader(text, path).read();
}

void write_xyz(std::ostream& out, const std::vector<Structure>& structures, XyzDialect dialect) {
    for (const Structure& s : structures) {
        s.validate();
        const bool extended =
            dialect == XyzDialect::extended || s.lattice.has_value() || !s.properties.empty();
        fmt::print(out, "{}\n", s.size());
        if (extended) {
            if (s.lattice) {
                const Eigen::Matrix3d& m = s.lattice->vectors();
                fmt::print(out, "Lattice=\"{:.8f} {:.8f} {:.8f} {:.8f} {:.8f} {:.8f} {:.8f} {:.8f} {:.8f}\" ", m(0, 0),
                           m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2));
            }
            fmt::print(out, "Properties=species:S:1:pos:R:3");
            if (!s.id.empty()) fmt::print(out, " id={}", format_value(PropertyValue(s.id)));
            for (const auto& [key, value] : s.properties) {
                const std::string lower = to_lower(key);
                if (lower == "lattice" || lower == "properties" || lower == "pbc" || key == "id") continue;
                fmt::print(out, " {}={}", format_key(key), format_value(value));
            }
            fmt::print(out, " pbc=\"{}\"\n", s.lattice ? "T T T" : "F F F");
        } else {
            std::string title = s.id;
            for (char& ch : title)
                if (ch == '\n' || ch == '\r') ch = ' ';
            fmt::print(out, "{}\n", title);
        }
        for (std::size_t i = 0; i < s.size(); ++i) {
            const Eigen::Vector3d& r = s.positions[i];
            fmt::print(out, "{:<2} {:16.8f} {:16.8f} {:16.8f}\n", element(s.numbers[i]).symbol, r.x(), r.y(), r.z());
        }
    }
}

}  // namespace adit
