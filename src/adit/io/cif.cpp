// CIF reader and writer. The tokenizer follows the CIF 1.1 syntax (quoted strings end at a
// quote followed by whitespace; `;` text fields; `#` comments). Symmetry expansion and symbol
// parsing mirror pymatgen's CifParser (pymatgen/io/cif.py, 2022.11) so that both programs build
// the same sites from the same file.
#include "adit/io/cif.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include "adit/core/elements.hpp"
#include "adit/core/error.hpp"
#include "adit/core/text.hpp"
#include "adit/io/line_reader.hpp"

namespace adit {

namespace {

constexpr double kSiteTolerance = 1e-4;  // fractional, per component (pymatgen's site_tolerance)

struct Token {
    std::string text;
    std::size_t line = 0;
    bool quoted = false;  // quoted strings and text fields are always values, never tags
};

struct Value {
    std::string text;
    std::size_t line = 0;
};

struct Block {
    std::string name;
    std::size_t line = 0;
    std::map<std::string, std::vector<Value>> items;  // tag -> its value, or its loop column
};

// Tags compare case-insensitively, and CIF2/DDLm dotted names equal their underscore forms.
std::string normalize_tag(std::string_view tag) {
    std::string t = to_lower(tag);
    std::replace(t.begin(), t.end(), '.', '_');
    return t;
}

bool is_keyword(const Token& t, std::string_view prefix) {
    return !t.quoted && to_lower(t.text.substr(0, prefix.size())) == prefix;
}

class CifParser {
public:
    CifParser(const std::string& text, const CifSource& source) : text_(text), source_(source) {}

    std::vector<Structure> read() {
        tokenize();
        parse_blocks();
        std::vector<Structure> out;
        for (const Block& b : blocks_)
            if (auto s = block_structure(b)) out.push_back(std::move(*s));
        if (out.empty()) error(0, "no crystal structure (a cell and atom sites) in any data block");
        return out;
    }

private:
    template <typename... Args>
    [[noreturn]] void error(std::size_t line, fmt::format_string<Args...> f, Args&&... args) const {
        std::string what = fmt::format(f, std::forward<Args>(args)...);
        if (!source_.record.empty()) what = source_.record + ": " + what;
        throw ParseError(source_.path, line, what);
    }

    void tokenize() {
        LineReader lines(text_, source_.first_line);
        std::string_view line;
        while (lines.next(line)) {
            if (!line.empty() && line[0] == ';') {  // a text field runs to the next line starting with ';'
                const std::size_t start = lines.line_number();
                std::string field(line.substr(1));
                bool closed = false;
                while (lines.next(line)) {
                    if (!line.empty() && line[0] == ';') {
                        closed = true;
                        break;
                    }
                    field += '\n';
                    field += line;
                }
                if (!closed) error(start, "text field (;) is never closed: truncated file?");
                tokens_.push_back({field, start, true});
                continue;
            }
            std::size_t i = 0;
            while (i < line.size()) {
                while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
                if (i >= line.size() || line[i] == '#') break;
                if (line[i] == '\'' || line[i] == '"') {
                    const char q = line[i];
                    std::size_t j = i + 1;
                    while (j < line.size() && !(line[j] == q && (j + 1 == line.size() ||
                                                                 std::isspace(static_cast<unsigned char>(line[j + 1])))))
                        ++j;
                    if (j >= line.size()) error(lines.line_number(), "unterminated quoted string");
                    tokens_.push_back({std::string(line.substr(i + 1, j - i - 1)), lines.line_number(), true});
                    i = j + 1;
                } else {
                    std::size_t j = i;
                    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
                    tokens_.push_back({std::string(line.substr(i, j - i)), lines.line_number(), false});
                    i = j;
                }
            }
        }
    }

    void parse_blocks() {
        std::size_t k = 0;
        auto is_tag = [](const Token& t) { return !t.quoted && !t.text.empty() && t.text[0] == '_'; };
        auto ends_values = [&](const Token& t) {
            return is_tag(t) || is_keyword(t, "loop_") || is_keyword(t, "data_") || is_keyword(t, "save_") ||
                   is_keyword(t, "global_");
        };
        while (k < tokens_.size()) {
            const Token& t = tokens_[k];
            if (is_keyword(t, "data_")) {
                blocks_.push_back({t.text.substr(5), t.line, {}});
                ++k;
            } else if (is_keyword(t, "save_") || is_keyword(t, "global_")) {
                ++k;
            } else if (blocks_.empty()) {
                error(t.line, "'{}' before the first data_ block (not a CIF file?)", t.text);
            } else if (is_keyword(t, "loop_")) {
                const std::size_t loop_line = t.line;
                std::vector<std::string> tags;
                for (++k; k < tokens_.size() && is_tag(tokens_[k]); ++k) tags.push_back(normalize_tag(tokens_[k].text));
                if (tags.empty()) error(loop_line, "loop_ without tags");
                std::vector<Value> values;
                for (; k < tokens_.size() && !ends_values(tokens_[k]); ++k)
                    values.push_back({tokens_[k].text, tokens_[k].line});
                if (values.size() % tags.size() != 0)
                    error(loop_line, "loop_ of {} columns ({}, ...) has {} values, not a multiple of {} (truncated?)",
                          tags.size(), tags[0], values.size(), tags.size());
                for (std::size_t c = 0; c < tags.size(); ++c) {
                    auto& column = blocks_.back().items[tags[c]];
                    column.clear();
                    for (std::size_t r = c; r < values.size(); r += tags.size()) column.push_back(values[r]);
                }
            } else if (is_tag(t)) {
                if (k + 1 >= tokens_.size() || ends_values(tokens_[k + 1])) error(t.line, "tag {} has no value", t.text);
                blocks_.back().items[normalize_tag(t.text)] = {{tokens_[k + 1].text, tokens_[k + 1].line}};
                k += 2;
            } else {
                error(t.line, "value '{}' without a tag", t.text);
            }
        }
        if (blocks_.empty()) error(0, "no data_ block (not a CIF file?)");
    }

    static const std::vector<Value>* find(const Block& b, std::initializer_list<const char*> tags) {
        for (const char* tag : tags)
            if (auto it = b.items.find(tag); it != b.items.end()) return &it->second;
        return nullptr;
    }

    // A number, dropping a standard uncertainty in parentheses ("5.431(2)" -> 5.431).
    double number(const Block& b, const Value& v, const char* what) const {
        std::string text = v.text;
        if (const auto open = text.find('('); open != std::string::npos && open > 0) text.resize(open);
        const auto x = parse_double(text);
        if (!x) error(v.line, "block {}: {} '{}' is not a finite number", b.name, what, v.text);
        return *x;
    }

    double single_number(const Block& b, const char* tag) const {
        const auto it = b.items.find(tag);
        if (it == b.items.end() || it->second.empty()) error(b.line, "block {}: no {}", b.name, tag);
        return number(b, it->second.front(), tag);
    }

    Lattice cell(const Block& b) const {
        LatticeParameters p;
        p.a = single_number(b, "_cell_length_a");
        p.b = single_number(b, "_cell_length_b");
        p.c = single_number(b, "_cell_length_c");
        p.alpha = single_number(b, "_cell_angle_alpha");
        p.beta = single_number(b, "_cell_angle_beta");
        p.gamma = single_number(b, "_cell_angle_gamma");
        const std::size_t line = b.items.at("_cell_length_a").front().line;
        if (!(p.a > 0 && p.b > 0 && p.c > 0))
            error(line, "block {}: cell lengths must be positive, got {} {} {} Å", b.name, p.a, p.b, p.c);
        for (double angle : {p.alpha, p.beta, p.gamma})
            if (!(angle > 0 && angle < 180)) error(line, "block {}: cell angle {}° is out of (0, 180)", b.name, angle);
        const Lattice lattice = lattice_from_parameters(p);
        if (lattice.is_singular(1e-6 * p.a * p.b * p.c) || !lattice.vectors().allFinite())
            error(line, "block {}: the cell ({} {} {} Å, {} {} {}°) is singular", b.name, p.a, p.b, p.c, p.alpha,
                  p.beta, p.gamma);
        return lattice;
    }

    std::vector<SymmetryOperation> operations(const Block& b) const {
        const auto* ops = find(b, {"_symmetry_equiv_pos_as_xyz", "_space_group_symop_operation_xyz",
                                   "_symmetry_equiv_pos_as_xyz_", "_space_group_symop_operation_xyz_"});
        std::vector<SymmetryOperation> out;
        if (ops == nullptr) {
            const auto* hm = find(b, {"_symmetry_space_group_name_h-m", "_space_group_name_h-m_alt"});
            const auto* it_number = find(b, {"_symmetry_int_tables_number", "_space_group_it_number"});
            const std::string symbol = hm ? hm->front().text : "";
            const int number = it_number ? static_cast<int>(parse_int(it_number->front().text).value_or(0)) : 0;
            std::string compact = to_lower(symbol);
            compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
            if ((compact.empty() || compact == "p1") && number <= 1) {
                out.emplace_back();
                return out;
            }
            if (source_.space_group_table) out = source_.space_group_table(symbol, number);
            if (out.empty())
                error(hm ? hm->front().line : it_number->front().line,
                      "block {}: space group '{}' (number {}) without symmetry operators (_symmetry_equiv_pos_as_xyz "
                      "or _space_group_symop_operation_xyz), and its setting cannot be told from the name; add the "
                      "operators or give the P1 cell",
                      b.name, symbol, number);
            return out;
        }
        for (const Value& v : *ops) {
            try {
                out.push_back(parse_symmetry_operation(v.text));
            } catch (const Error& e) {
                error(v.line, "block {}: {}", b.name, e.what());
            }
        }
        return out;
    }

    // pymatgen's CifParser._parse_symbol for ordinary elements: the first two letters if they
    // name an element ("Fe2+", "Os1", "CA" -> Ca), else the first letter ("O1", "N3").
    static int site_element(const std::string& symbol) {
        if (symbol.size() >= 2 && std::isalpha(static_cast<unsigned char>(symbol[0])) &&
            std::isalpha(static_cast<unsigned char>(symbol[1]))) {
            std::string two{static_cast<char>(std::toupper(static_cast<unsigned char>(symbol[0]))),
                            static_cast<char>(std::tolower(static_cast<unsigned char>(symbol[1])))};
            if (int z = atomic_number(two)) return z;
        }
        if (!symbol.empty() && std::isalpha(static_cast<unsigned char>(symbol[0])))
            return atomic_number(std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(symbol[0])))));
        return 0;
    }

    struct Site {
        int z = 0;
        Eigen::Vector3d frac;
        std::size_t line = 0;
    };

    static bool same_position(const Eigen::Vector3d& a, const Eigen::Vector3d& b) {
        const Eigen::Vector3d d = a - b;
        for (int k = 0; k < 3; ++k)
            if (std::abs(d[k] - std::round(d[k])) >= kSiteTolerance) return false;
        return true;
    }

    std::vector<Site> asymmetric_unit(const Block& b) const {
        const auto* xs = find(b, {"_atom_site_fract_x"});
        const auto* ys = find(b, {"_atom_site_fract_y"});
        const auto* zs = find(b, {"_atom_site_fract_z"});
        if (!xs || !ys || !zs) error(b.line, "block {}: no _atom_site_fract_x/y/z loop", b.name);
        const auto* symbols = find(b, {"_atom_site_type_symbol"});
        if (symbols == nullptr) symbols = find(b, {"_atom_site_label"});
        if (symbols == nullptr) error(xs->front().line, "block {}: atom sites have neither type symbols nor labels", b.name);
        const auto* occupancies = find(b, {"_atom_site_occupancy"});
        const std::size_t n = xs->size();
        if (ys->size() != n || zs->size() != n || symbols->size() != n || (occupancies && occupancies->size() != n))
            error(xs->front().line, "block {}: atom site columns have different lengths", b.name);
        std::vector<Site> sites;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t line = (*xs)[i].line;
            if (occupancies && (*occupancies)[i].text != "?" && (*occupancies)[i].text != ".") {
                const double occupancy = number(b, (*occupancies)[i], "occupancy");
                if (occupancy <= 0) continue;  // an empty site, as pymatgen skips it
                if (occupancy < 0.99 || occupancy > 1.01)
                    error(line, "block {}: site {} has occupancy {}; disordered (partially occupied) sites are not supported",
                          b.name, (*symbols)[i].text, occupancy);
            }
            Site s;
            s.line = line;
            s.z = site_element((*symbols)[i].text);
            if (s.z == 0) error((*symbols)[i].line, "block {}: unknown element '{}'", b.name, (*symbols)[i].text);
            s.frac = {number(b, (*xs)[i], "x"), number(b, (*ys)[i], "y"), number(b, (*zs)[i], "z")};
            for (int k = 0; k < 3; ++k)  // finite-precision 1/3 and 2/3, as pymatgen snaps them
                for (double ideal : {1.0 / 3.0, 2.0 / 3.0})
                    if (std::abs(1.0 - s.frac[k] / ideal) < 1e-4) s.frac[k] = ideal;
            sites.push_back(s);
        }
        return sites;
    }

    std::optional<Structure> block_structure(const Block& b) const {
        const bool has_cell = b.items.count("_cell_length_a") > 0;
        const bool has_sites = b.items.count("_atom_site_fract_x") > 0;
        if (!has_cell && !has_sites) return std::nullopt;  // e.g. a block of metadata only
        if (!has_cell) error(b.line, "block {}: atom sites but no cell (_cell_length_a...)", b.name);
        Structure s;
        s.id = b.name;
        s.lattice = cell(b);
        const std::vector<SymmetryOperation> ops = operations(b);
        const std::vector<Site> asym = asymmetric_unit(b);
        std::vector<Site> unique;  // asymmetric sites, merged where one is an image of another
        for (const Site& site : asym) {
            const Site* clash = nullptr;
            for (const SymmetryOperation& op : ops) {
                const Eigen::Vector3d image = op.rotation.cast<double>() * site.frac + op.translation;
                for (const Site& u : unique)
                    if (same_position(image, u.frac)) clash = &u;
                if (clash) break;
            }
            if (clash == nullptr) {
                unique.push_back(site);
            } else if (clash->z != site.z) {
                error(site.line, "block {}: a {} site and the {} site of line {} occupy the same position", b.name,
                      element(site.z).symbol, element(clash->z).symbol, clash->line);
            }
        }
        std::vector<Eigen::Vector3d> frac;
        for (const Site& site : unique) {
            const std::size_t orbit_start = frac.size();
            for (const SymmetryOperation& op : ops) {
                Eigen::Vector3d image = op.rotation.cast<double>() * site.frac + op.translation;
                for (int k = 0; k < 3; ++k) image[k] -= std::floor(image[k]);
                bool seen = false;
                for (std::size_t j = orbit_start; j < frac.size() && !seen; ++j) seen = same_position(image, frac[j]);
                if (!seen) {
                    frac.push_back(image);
                    s.numbers.push_back(site.z);
                }
            }
        }
        // pymatgen's CifParser returns get_sorted_structure(): a stable sort by Pauling
        // electronegativity, then symbol. Same order, same spglib answer at tolerance edges
        // (spglib's result can depend on the atom order there).
        std::vector<std::size_t> order(frac.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
            const Element &a = element(s.numbers[i]), &b = element(s.numbers[j]);
            return std::tie(a.electronegativity, a.symbol) < std::tie(b.electronegativity, b.symbol);
        });
        std::vector<int> numbers;
        std::vector<Eigen::Vector3d> sorted_frac;
        for (std::size_t k : order) {
            numbers.push_back(s.numbers[k]);
            sorted_frac.push_back(frac[k]);
        }
        s.numbers = std::move(numbers);
        s.set_fractional_positions(sorted_frac);
        try {
            s.validate();
        } catch (const Error& e) {
            error(b.line, "block {}: {}", b.name, e.what());
        }
        // adit's own items (_adit_<name> value, written by write_cif) come back as properties.
        for (const auto& [tag, values] : b.items)
            if (tag.rfind("_adit_", 0) == 0 && tag.size() > 6 && values.size() == 1) {
                if (const auto number = parse_double(values[0].text)) s.properties.set(tag.substr(6), *number);
                else s.properties.set(tag.substr(6), values[0].text);
            }
        return s;
    }

    const std::string& text_;
    const CifSource& source_;
    std::vector<Token> tokens_;
    std::vector<Block> blocks_;
};

std::string hill_formula_sum(const std::vector<int>& numbers) {
    Structure tmp;
    tmp.numbers = numbers;
    tmp.positions.assign(numbers.size(), Eigen::Vector3d::Zero());
    // chemical_formula gives "C2H6O"; CIF wants "C2 H6 O1".
    const std::string compact = chemical_formula(tmp);
    std::string out;
    for (std::size_t i = 0; i < compact.size();) {
        std::size_t j = i + 1;
        while (j < compact.size() && std::islower(static_cast<unsigned char>(compact[j]))) ++j;
        std::size_t k = j;
        while (k < compact.size() && std::isdigit(static_cast<unsigned char>(compact[k]))) ++k;
        if (!out.empty()) out += ' ';
        out += compact.substr(i, j - i) + (k > j ? compact.substr(j, k - j) : "1");
        i = k;
    }
    return out;
}

std::string fraction(double t) {
    t -= std::floor(t);
    if (std::abs(t) < 1e-6 || std::abs(t - 1) < 1e-6) return "";
    for (int den : {2, 3, 4, 6, 8, 12}) {
        const double num = std::round(t * den);
        if (std::abs(t * den - num) < 1e-5 * den) {
            int n = static_cast<int>(num), d = den;
            for (int g = d; g > 1; --g)
                if (n % g == 0 && d % g == 0) {
                    n /= g;
                    d /= g;
                }
            return fmt::format("{}/{}", n, d);
        }
    }
    return fmt::format("{:.8f}", t);
}

void write_cell(std::ostream& out, const std::string& name, const Lattice& lattice, const std::string& sg_symbol,
                int sg_number, const std::vector<int>& numbers) {
    const LatticeParameters p = lattice.parameters();
    fmt::print(out, "# generated by adit {}\ndata_{}\n", ADIT_VERSION, name);
    fmt::print(out, "_symmetry_space_group_name_H-M   '{}'\n", sg_symbol);
    fmt::print(out, "_cell_length_a   {:.8f}\n_cell_length_b   {:.8f}\n_cell_length_c   {:.8f}\n", p.a, p.b, p.c);
    fmt::print(out, "_cell_angle_alpha   {:.8f}\n_cell_angle_beta   {:.8f}\n_cell_angle_gamma   {:.8f}\n", p.alpha,
               p.beta, p.gamma);
    fmt::print(out, "_symmetry_Int_Tables_number   {}\n", sg_number);
    fmt::print(out, "_chemical_formula_sum   '{}'\n", hill_formula_sum(numbers));
    fmt::print(out, "_cell_volume   {:.8f}\n", lattice.volume());
}

// A structure's properties as CIF items "_adit_<name> value" (names lower-cased, characters
// outside [a-z0-9_] replaced by '_'; text values quoted), e.g. the sampling settings of
// `adit sample`. read_cif turns them back into properties.
void write_adit_items(std::ostream& out, const Properties& properties) {
    for (const auto& [key, value] : properties) {
        std::string name;
        for (char ch : to_lower(key)) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
        if (name.empty()) continue;
        if (const double* x = std::get_if<double>(&value)) {
            fmt::print(out, "_adit_{}   {}\n", name, *x);
        } else {
            std::string text = std::get<std::string>(value);
            for (char& ch : text)
                if (ch == '\n' || ch == '\r' || ch == '\'') ch = ' ';
            fmt::print(out, "_adit_{}   '{}'\n", name, text);
        }
    }
}

void write_operations(std::ostream& out, const std::vector<SymmetryOperation>& ops) {
    fmt::print(out, "loop_\n _symmetry_equiv_pos_site_id\n _symmetry_equiv_pos_as_xyz\n");
    for (std::size_t i = 0; i < ops.size(); ++i)
        fmt::print(out, "  {}  '{}'\n", i + 1, format_symmetry_operation(ops[i]));
    fmt::print(out,
               "loop_\n _atom_site_type_symbol\n _atom_site_label\n _atom_site_symmetry_multiplicity\n"
               " _atom_site_fract_x\n _atom_site_fract_y\n _atom_site_fract_z\n _atom_site_occupancy\n");
}

}  // namespace

std::vector<Structure> read_cif(const std::string& text, const CifSource& source) {
    check_text_input(text, source.path);
    return CifParser(text, source).read();
}

SymmetryOperation parse_symmetry_operation(const std::string& xyz) {
    std::string text;
    for (char ch : xyz)
        if (!std::isspace(static_cast<unsigned char>(ch))) text += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto rows = split(text, ',');
    if (rows.size() != 3) fail("symmetry operator '{}' does not have three components", xyz);
    SymmetryOperation op;
    op.rotation.setZero();
    for (int r = 0; r < 3; ++r) {
        const std::string& row = rows[r];
        if (row.empty()) fail("symmetry operator '{}' has an empty component", xyz);
        std::size_t i = 0;
        while (i < row.size()) {
            double sign = 1;
            if (row[i] == '+' || row[i] == '-') {
                sign = row[i] == '-' ? -1 : 1;
                ++i;
            }
            std::size_t j = i;
            while (j < row.size() && (std::isdigit(static_cast<unsigned char>(row[j])) || row[j] == '.' || row[j] == '/')) ++j;
            double coefficient = 1;
            const bool has_number = j > i;
            if (has_number) {
                const std::string number = row.substr(i, j - i);
                const auto slash = number.find('/');
                std::optional<double> value;
                if (slash == std::string::npos) {
                    value = parse_double(number);
                } else {
                    const auto num = parse_double(number.substr(0, slash));
                    const auto den = parse_double(number.substr(slash + 1));
                    if (num && den && *den != 0) value = *num / *den;
                }
                if (!value) fail("symmetry operator '{}': bad number '{}'", xyz, number);
                coefficient = *value;
                i = j;
                if (i < row.size() && row[i] == '*') ++i;
            }
            if (i < row.size() && (row[i] == 'x' || row[i] == 'y' || row[i] == 'z')) {
                const double c = sign * coefficient;
                if (std::abs(c - std::round(c)) > 1e-9) fail("symmetry operator '{}': non-integer coefficient", xyz);
                op.rotation(r, row[i] - 'x') += static_cast<int>(std::round(c));
                ++i;
            } else if (has_number) {
                op.translation[r] += sign * coefficient;
            } else {
                fail("symmetry operator '{}': unexpected '{}'", xyz, row.substr(i));
            }
        }
    }
    if (std::abs(op.rotation.cast<double>().determinant()) != 1)
        fail("symmetry operator '{}' is not a crystallographic operation (determinant is not ±1)", xyz);
    return op;
}

std::string format_symmetry_operation(const SymmetryOperation& op) {
    std::string out;
    for (int r = 0; r < 3; ++r) {
        std::string row;
        for (int c = 0; c < 3; ++c) {
            const int k = op.rotation(r, c);
            if (k == 0) continue;
            const char var = static_cast<char>('x' + c);
            if (k == 1) row += row.empty() ? std::string(1, var) : std::string("+") + var;
            else if (k == -1) row += std::string("-") + var;
            else row += fmt::format("{}{}{}", k > 0 && !row.empty() ? "+" : "", k, var);
        }
        const std::string t = fraction(op.translation[r]);
        if (!t.empty()) row += row.empty() ? t : "+" + t;
        if (row.empty()) row = "0";
        out += (r ? ", " : "") + row;
    }
    return out;
}

std::vector<std::string> unique_block_names(const std::vector<std::string>& ids) {
    std::vector<std::string> names;
    std::set<std::string> used;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::string base;
        for (char ch : ids[i]) {
            const auto u = static_cast<unsigned char>(ch);
            base += (std::isspace(u) || !std::isprint(u) || ch == '\'' || ch == '"') ? '_' : ch;
        }
        if (base.empty()) base = fmt::format("structure_{}", i + 1);
        std::string name = base;
        for (int k = 2; used.count(to_lower(name)); ++k) name = fmt::format("{}_{}", base, k);
        used.insert(to_lower(name));
        names.push_back(name);
    }
    return names;
}

void write_cif(std::ostream& out, const std::vector<Structure>& structures) {
    std::vector<std::string> ids;
    for (const Structure& s : structures) {
        if (!s.lattice) fail("structure '{}' has no lattice: CIF needs a periodic cell", s.id);
        s.validate();
        ids.push_back(s.id.empty() ? chemical_formula(s) : s.id);
    }
    const auto names = unique_block_names(ids);
    for (std::size_t n = 0; n < structures.size(); ++n) {
        const Structure& s = structures[n];
        write_cell(out, names[n], *s.lattice, "P 1", 1, s.numbers);
        write_adit_items(out, s.properties);
        write_operations(out, {SymmetryOperation{}});
        const auto frac = s.fractional_positions();
        for (std::size_t i = 0; i < s.size(); ++i) {
            const std::string& symbol = element(s.numbers[i]).symbol;
            fmt::print(out, "  {}  {}{}  1  {:.8f}  {:.8f}  {:.8f}  1\n", symbol, symbol, i, frac[i].x(), frac[i].y(),
                       frac[i].z());
        }
    }
}

void write_symmetrized_cif(std::ostream& out, const std::vector<SymmetrizedCrystal>& crystals) {
    std::vector<std::string> ids;
    for (const SymmetrizedCrystal& c : crystals) ids.push_back(c.id.empty() ? "structure" : c.id);
    const auto names = unique_block_names(ids);
    for (std::size_t n = 0; n < crystals.size(); ++n) {
        const SymmetrizedCrystal& c = crystals[n];
        if (c.operations.empty() || c.sites.empty()) fail("symmetrized crystal '{}' has no operations or sites", c.id);
        std::vector<int> cell_numbers;  // the full cell's composition, for the formula
        for (const auto& site : c.sites) cell_numbers.insert(cell_numbers.end(), site.multiplicity, site.number);
        write_cell(out, names[n], c.lattice, c.space_group_symbol, c.space_group_number, cell_numbers);
        write_adit_items(out, c.properties);
        write_operations(out, c.operations);
        for (std::size_t i = 0; i < c.sites.size(); ++i) {
            const auto& site = c.sites[i];
            const std::string& symbol = element(site.number).symbol;
            fmt::print(out, "  {}  {}{}  {}  {:.8f}  {:.8f}  {:.8f}  1\n", symbol, symbol, i, site.multiplicity,
                       site.fractional.x(), site.fractional.y(), site.fractional.z());
        }
    }
}

}  // namespace adit
