// Shared by the CLI suites: run the built `adit` from the source directory (so the README's
// relative paths work as written) and check that a command line appears in README.md.
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace adit_cli_test {

struct Run {
    int status = -1;
    std::string out;  // stdout, plus stderr when asked for
};

// Runs a shell command line in `dir`: its exit status and its stdout (binary-safe).
inline Run run_shell(const std::string& dir, const std::string& command) {
    const std::string cmd = "cd '" + dir + "' && " + command;
    Run r;
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe);
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) r.out.append(buf.data(), n);
    const int st = pclose(pipe);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// `adit <args>` from the source directory; stderr joins stdout when asked for, else is dropped.
inline Run run_adit(const std::string& args, bool capture_stderr) {
    return run_shell(ADIT_SOURCE_DIR, "'" + std::string(ADIT_BINARY) + "' " + args + (capture_stderr ? " 2>&1" : " 2>/dev/null"));
}

// A README command line as written ("adit ...", or "launcher ... -- adit ...") with the built
// program in place of `adit`, run in `dir`; stderr is appended to dir/<stderr_file>.
inline Run run_readme_command(const std::string& dir, std::string command, const std::string& stderr_file = "stderr.log") {
    const std::string bin = std::string("'") + ADIT_BINARY + "'";
    if (command.rfind("adit ", 0) == 0) command = bin + command.substr(4);
    if (auto k = command.find(" -- adit "); k != std::string::npos) command.replace(k + 4, 4, bin);
    return run_shell(dir, command + " 2>>" + stderr_file);
}

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// How often `what` occurs in `text` (overlapping matches count).
inline std::size_t count_occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto k = text.find(what); k != std::string::npos; k = text.find(what, k + 1)) ++n;
    return n;
}

// A scratch folder in the temp directory, removed at the end, with links to the source tree's
// `links` (paths relative to it, e.g. "configs", "tools/gpu"), so that command lines written for
// the checkout run there as written.
struct ScratchDir {
    std::string path;
    ScratchDir(const std::string& prefix, std::initializer_list<const char*> links)
        : path((std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))).string()) {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
        for (const char* link : links) {
            const auto at = std::filesystem::path(path) / link;
            std::filesystem::create_directories(at.parent_path());
            std::filesystem::create_directory_symlink(std::filesystem::path(ADIT_SOURCE_DIR) / link, at);
        }
    }
    ~ScratchDir() { std::filesystem::remove_all(path); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
};

// step -> loss, from an `adit train --loss-log` file.
inline std::map<int, double> read_loss_log(const std::string& path) {
    std::map<int, double> out;
    std::ifstream in(path);
    int step = 0;
    double loss = 0;
    while (in >> step >> loss) out[step] = loss;
    return out;
}

inline bool readme_has(const std::string& command) {
    return slurp(std::string(ADIT_SOURCE_DIR) + "/README.md").find(command) != std::string::npos;
}

}  // namespace adit_cli_test
