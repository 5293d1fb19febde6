#include "adit/core/elements.hpp"

#include <cctype>
#include <sstream>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"

namespace adit {
namespace detail {
extern const char* const kElementsCsv;
}

namespace {

std::vector<Element> parse_table() {
    std::vector<Element> table(kMaxAtomicNumber + 1);
    std::istringstream in(detail::kElementsCsv);
    std::string line;
    bool header_seen = false;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        const std::vector<std::string> f = split(line, ',');
        if (f.size() != 7) fail("elements.csv: malformed row '{}'", line);
        Element e;
        e.z = std::stoi(f[0]);
        e.symbol = f[1];
        e.name = f[2];
        e.mass = std::stod(f[3]);
        e.covalent_radius = std::stod(f[4]);
        e.electronegativity = std::stod(f[5]);
        for (const std::string& s : split_whitespace(f[6])) e.oxidation_states.push_back(std::stoi(s));
        if (e.z < 1 || e.z > kMaxAtomicNumber) fail("elements.csv: atomic number {} out of range", e.z);
        table[e.z] = e;
    }
    return table;
}

const std::vector<Element>& table() {
    static const std::vector<Element> t = parse_table();
    return t;
}

}  // namespace

bool is_known_element(int z) { return z >= 1 && z <= kMaxAtomicNumber; }

const Element& element(int z) {
    if (!is_known_element(z)) fail("unknown atomic number {}", z);
    return table()[z];
}

int atomic_number(std::string_view symbol) {
    if (symbol.empty() || symbol.size() > 3) return 0;
    std::string normal(symbol);  // "FE" or "fe" -> "Fe"
    normal[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(normal[0])));
    for (std::size_t i = 1; i < normal.size(); ++i)
        normal[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(normal[i])));
    for (int z = 1; z <= kMaxAtomicNumber; ++z)
        if (table()[z].symbol == normal) return z;
    return 0;
}

}  // namespace adit
