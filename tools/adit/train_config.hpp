// Shared by `adit train` and `adit compress`: TOML configs (converted to the JSON the library
// takes), the [data] file lists, and the stderr progress bar.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "adit/core/error.hpp"
#include "adit/core/log.hpp"
#include "adit/core/structure.hpp"
#include "eval_inputs.hpp"

namespace adit::cli {

inline nlohmann::json read_config(const std::string& path) {
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        fail("{}:{}: {}", path, e.source().begin.line, e.description());
    }
    std::ostringstream out;
    out << toml::json_formatter{table};
    return nlohmann::json::parse(out.str());
}

// "file.h5:val" -> ("file.h5", "val"); a plain path -> (path, "").
inline std::pair<std::string, std::string> split_suffix(const std::string& entry) {
    const auto colon = entry.rfind(':');
    if (colon == std::string::npos) return {entry, ""};
    const std::string tail = entry.substr(colon + 1);
    if (tail != "train" && tail != "val" && tail != "test") return {entry, ""};
    return {entry.substr(0, colon), tail};
}

// [data] entry or --data value: every structure of FILE, or one split of a prepared FILE.h5:split
// (eval_inputs.hpp's load_structures). An empty result is an error naming the entry.
inline std::vector<Structure> read_data_entry(const std::string& file, const std::string& split) {
    auto structures = load_structures(file, split);
    if (structures.empty()) fail("{}: no structures{}", file, split.empty() ? "" : " in split " + split);
    return structures;
}

// [data] entries: any structure file, or a prepared .h5 with an optional ":train|:val|:test".
inline std::vector<Structure> read_data(const nlohmann::json& config, const std::string& key, const std::string& config_path) {
    std::vector<Structure> all;
    if (!config.contains("data") || !config["data"].contains(key)) return all;
    auto entry = config["data"][key];
    std::vector<std::string> files;
    if (entry.is_string()) files.push_back(entry.get<std::string>());
    else files = entry.get<std::vector<std::string>>();
    const auto base = std::filesystem::path(config_path).parent_path();
    for (const auto& f : files) {
        auto [file, split] = split_suffix(f);
        auto p = std::filesystem::path(file).is_absolute() ? std::filesystem::path(file) : base / file;
        auto part = read_data_entry(p.string(), split);
        log_info("read {} structures from {}", part.size(), f);
        all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    return all;
}

// A one-line progress bar on stderr: redrawn in place on a terminal; otherwise (a log file) a line
// every 10 % of the steps and at least once a minute, so that a long run with a large step bound
// (GPU segments stopped with Ctrl-C) still shows its progress.
inline ProgressCallback progress_bar(const std::string& label, bool quiet) {
    auto start = std::chrono::steady_clock::now();
    const bool tty = isatty(fileno(stderr));
    double last_line = 0;  // seconds since start of the last line written (not on a terminal)
    return [=](std::size_t done, std::size_t total, std::string_view status) mutable {
        if (quiet) return;
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double eta = done ? secs / double(done) * double(total - std::min(done, total)) : 0;
        const auto line = fmt::format("[{}] step {}/{} {} ETA {:.0f}s", label, done, total, status, eta);
        if (tty) {
            std::cerr << "\r" << line << "\033[K" << (done >= total ? "\n" : "") << std::flush;
        } else if (total < 10 || done % std::max<std::size_t>(1, total / 10) == 0 || done == total || secs - last_line >= 60) {
            std::cerr << line << std::endl;
            last_line = secs;
        }
    };
}

}  // namespace adit::cli
