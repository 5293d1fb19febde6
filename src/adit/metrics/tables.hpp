// The metric data tables compiled in from src/adit/metrics/data/*.csv (see CMakeLists.txt):
// each is a CSV with '#' comment lines naming its source, then a header row.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace adit::metrics {

namespace data {
extern const std::string_view edm_bonds;
extern const std::string_view edm_valences;
extern const std::string_view smact_elements;
}  // namespace data

// Rows of a compiled-in CSV table, without comments and without the header row. Fields are
// trimmed; empty fields stay empty strings.
std::vector<std::vector<std::string>> table_rows(std::string_view csv);

}  // namespace adit::metrics
