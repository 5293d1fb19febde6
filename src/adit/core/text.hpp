// Small, strict text helpers shared by the format readers: a number that does not parse
// completely is an error, never a silent zero.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace adit {

std::vector<std::string> split(std::string_view s, char sep);
std::vector<std::string> split_whitespace(std::string_view s);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);

// The whole of `s` as a finite double / integer, or nullopt. Accepts Fortran exponents
// ("1.5*^-3", "1.5D-3") as the QM9 files use them; rejects "nan", "inf" and trailing text.
std::optional<double> parse_double(std::string_view s);
std::optional<long long> parse_int(std::string_view s);

}  // namespace adit
