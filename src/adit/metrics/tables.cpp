#include "adit/metrics/tables.hpp"

#include "adit/core/text.hpp"

namespace adit::metrics {

std::vector<std::vector<std::string>> table_rows(std::string_view csv) {
    std::vector<std::vector<std::string>> rows;
    bool header_seen = false;
    for (const std::string& raw : split(std::string(csv), '\n')) {
        std::string line(trim(raw));
        if (line.empty() || line[0] == '#') continue;
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        std::vector<std::string> fields = split(line, ',');
        for (std::string& f : fields) f = std::string(trim(f));
        rows.push_back(std::move(fields));
    }
    return rows;
}

}  // namespace adit::metrics
