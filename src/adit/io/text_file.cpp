#include "adit/io/text_file.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <iterator>

#include "adit/core/error.hpp"
#include "adit/core/text.hpp"

namespace adit {

namespace {

std::string gunzip(const std::string& path, const std::string& bytes) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) fail("{}: cannot initialise zlib", path);  // 32: gzip header
    std::string out;
    out.reserve(bytes.size() * 4);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    char chunk[1 << 16];
    int ret = Z_OK;
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        ret = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - zs.avail_out);
        if (ret == Z_STREAM_END) {
            // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the same file.
            if (zs.avail_in == 0) break;
            inflateReset(&zs);
            continue;
        }
        if (ret != Z_OK) break;
        if (zs.avail_in == 0 && zs.avail_out != 0) break;
    }
    inflateEnd(&zs);
    if (ret != Z_STREAM_END) throw ParseError(path, 0, "damaged or truncated gzip stream");
    return out;
}

std::string gzip(const std::string& path, const std::string& text) {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fail("{}: cannot initialise zlib", path);
    std::string out(deflateBound(&zs, text.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int ret = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (ret != Z_STREAM_END) fail("{}: gzip compression failed", path);
    return out;
}

std::string temporary_name(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

}  // namespace

std::string read_text_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("{}: is a directory, not a file", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open for reading", path);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
        return gunzip(path, bytes);
    return bytes;
}

bool strip_gz_suffix(const std::string& path, std::string* inner) {
    if (!ends_with(to_lower(path), ".gz")) return false;
    if (inner) *inner = path.substr(0, path.size() - 3);
    return true;
}

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)), tmp_path_(temporary_name(path_)) {}

AtomicOutput::~AtomicOutput() {
    if (!committed_) std::remove(tmp_path_.c_str());
}

void AtomicOutput::commit() {
    std::string data = buffer_.str();
    if (strip_gz_suffix(path_, nullptr)) data = gzip(path_, data);
    {
        std::ofstream out(tmp_path_, std::ios::binary | std::ios::trunc);
        if (!out) fail("{}: cannot open for writing", path_);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) fail("{}: write failed (disk full?)", path_);
    }
    std::error_code ec;
    std::filesystem::rename(tmp_path_, path_, ec);
    if (ec) fail("{}: cannot move the finished output into place: {}", path_, ec.message());
    committed_ = true;
}

AtomicPath::AtomicPath(std::string path) : path_(std::move(path)), tmp_path_(temporary_name(path_)) {}

AtomicPath::~AtomicPath() {
    if (!committed_) std::remove(tmp_path_.c_str());
}

void AtomicPath::commit() {
    std::error_code ec;
    std::filesystem::rename(tmp_path_, path_, ec);
    if (ec) fail("{}: cannot move the finished output into place: {}", path_, ec.message());
    committed_ = true;
}

}  // namespace adit
