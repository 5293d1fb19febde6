// The one error family of adit. The library never prints or exits: it throws these, and each
// subcommand turns them into `adit <command>: error: <message>` and exit status 1.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace adit {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A malformed input: names the file and, where one exists, the 1-based line (0 = unknown).
class ParseError : public Error {
public:
    ParseError(std::string path, std::size_t line, const std::string& what)
        : Error(format_message(path, line, what)), path_(std::move(path)), line_(line) {}
    const std::string& path() const { return path_; }
    std::size_t line() const { return line_; }

private:
    static std::string format_message(const std::string& path, std::size_t line, const std::string& what) {
        if (line == 0) return fmt::format("{}: {}", path, what);
        return fmt::format("{}:{}: {}", path, line, what);
    }
    std::string path_;
    std::size_t line_;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
    throw Error(fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void fail_parse(const std::string& path, std::size_t line, fmt::format_string<Args...> f,
                             Args&&... args) {
    throw ParseError(path, line, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace adit
