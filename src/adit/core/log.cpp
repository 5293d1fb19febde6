#include "adit/core/log.hpp"

#include <mutex>

namespace adit {

namespace {
std::mutex& sink_mutex() {
    static std::mutex m;
    return m;
}
LogSink& sink() {
    static LogSink s;
    return s;
}
}  // namespace

void set_log_sink(LogSink s) {
    std::lock_guard<std::mutex> lock(sink_mutex());
    sink() = std::move(s);
}

void log_message(LogLevel level, std::string_view message) {
    std::lock_guard<std::mutex> lock(sink_mutex());
    if (sink()) sink()(level, message);
}

}  // namespace adit
