// Line-by-line access to a whole text file with 1-based line numbers, shared by the plain-text
// readers (XYZ, CIF, SDF record splitting) so that every error can name its line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "adit/core/error.hpp"

namespace adit {

class LineReader {
public:
    // `first_line` is the number of the text's first line in its file (CIF inside a CSV field).
    explicit LineReader(std::string_view text, std::size_t first_line = 1)
        : text_(text), next_line_(first_line) {}

    // The next line without its end-of-line ("\n" or "\r\n"); false at the end of the text.
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos_ = end + 1;
        line_number_ = next_line_++;
        return true;
    }
    // Number of the line last returned by next() (0 before the first call).
    std::size_t line_number() const { return line_number_; }
    bool at_end() const { return pos_ >= text_.size(); }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t next_line_;
    std::size_t line_number_ = 0;
};

// Rejects inputs no text format accepts: an empty (or all-blank) file and binary data (NUL
// bytes), with an error naming the file.
inline void check_text_input(std::string_view text, const std::string& path) {
    if (text.find('\0') != std::string_view::npos)
        fail_parse(path, 0, "binary data (NUL bytes), not a text structure file");
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) fail_parse(path, 0, "empty file");
}

}  // namespace adit
