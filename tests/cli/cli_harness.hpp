// Shared by the CLI suites: run the built `adit` from the source directory (so the README's
// relative paths work as written) and check that a command line appears in README.md.
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace adit_cli_test {

struct Run {
    int status = -1;
    std::string out;  // stdout, plus stderr when asked for
};

inline Run run_adit(const std::string& args, bool capture_stderr) {
    const std::string cmd = std::string("cd '") + ADIT_SOURCE_DIR + "' && '" + ADIT_BINARY + "' " + args +
                            (capture_stderr ? " 2>&1" : " 2>/dev/null");
    Run r;
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe);
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), pipe)) r.out += buf.data();
    const int st = pclose(pipe);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

inline bool readme_has(const std::string& command) {
    return slurp(std::string(ADIT_SOURCE_DIR) + "/README.md").find(command) != std::string::npos;
}

}  // namespace adit_cli_test
