// The CDVAE CSV format (Xie et al., ICLR 2022) of MP-20, perov-5 and carbon-24: one crystal per
// row, a `cif` column holding a whole CIF (quoted, with embedded newlines), `material_id`, and
// property columns (formation energy, band gap, ...). perov-5 and carbon-24 start with an
// unnamed index column (pandas' to_csv), which is skipped.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "adit/core/structure.hpp"

namespace adit {

// RFC 4180 CSV: fields separated by commas, "quoted" fields may hold commas, newlines and
// doubled quotes. Each record remembers the line it starts on and where each field starts.
struct CsvRecord {
    std::vector<std::string> fields;
    std::vector<std::size_t> field_lines;  // 1-based line of each field's first character
    std::size_t line = 0;                  // 1-based line the record starts on
};
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& path);

// One Structure per row: id from material_id (else the row number), the CIF parsed from `cif`,
// every other named column a property (a number where it parses as one, else text).
std::vector<Structure> read_cdvae_csv(const std::string& text, const std::string& path);

// Columns material_id, cif (a P1 CIF, as CDVAE's files hold), then every property key in order
// of first appearance; a structure without a key leaves its field empty.
void write_cdvae_csv(std::ostream& out, const std::vector<Structure>& structures);

}  // namespace adit
