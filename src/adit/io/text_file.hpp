// Reading whole input files (plain or gzip-compressed, detected by content, not by name) and
// writing outputs atomically: a writer's output appears under its name only once complete.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace adit {

// The file's bytes, gunzipped if it starts with the gzip magic. Throws adit::Error naming the
// file if it cannot be opened or is a damaged gzip stream.
std::string read_text_file(const std::string& path);

// True if `path` ends in ".gz"; then returns the name without it in `inner`.
bool strip_gz_suffix(const std::string& path, std::string* inner);

// Writes to "<path>.tmp-<pid>" and renames to `path` on commit(). If commit() is never
// called (an exception unwound past it), the temporary file is removed and `path` is left
// untouched. A path ending in ".gz" is written gzip-compressed.
class AtomicOutput {
public:
    explicit AtomicOutput(std::string path);
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    std::ostream& stream() { return buffer_; }
    void commit();

private:
    std::string path_, tmp_path_;
    std::ostringstream buffer_;
    bool committed_ = false;
};

// A temporary sibling name for writers that need a real file (HDF5), same rules as above.
class AtomicPath {
public:
    explicit AtomicPath(std::string path);
    ~AtomicPath();
    AtomicPath(const AtomicPath&) = delete;
    AtomicPath& operator=(const AtomicPath&) = delete;
    const std::string& tmp_path() const { return tmp_path_; }
    void commit();

private:
    std::string path_, tmp_path_;
    bool committed_ = false;
};

}  // namespace adit
