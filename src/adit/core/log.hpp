// The library's only channel to the user: it never prints. The program installs a sink
// (the adit CLI forwards to spdlog on stderr); without one, messages are dropped.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace adit {

enum class LogLevel { debug, info, warn };

using LogSink = std::function<void(LogLevel, std::string_view)>;
void set_log_sink(LogSink sink);
void log_message(LogLevel level, std::string_view message);

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
    log_message(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
    log_message(LogLevel::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
    log_message(LogLevel::debug, fmt::format(f, std::forward<Args>(args)...));
}

// Long-running library work reports progress through this: `done` of `total` units
// (total 0 = unknown) and a short status such as "loss 0.123".
using ProgressCallback = std::function<void(std::size_t done, std::size_t total, std::string_view status)>;

}  // namespace adit
