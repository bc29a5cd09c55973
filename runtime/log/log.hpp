#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "runtime/log/log_options.hpp"

namespace shelfwire::log {

/// Configures logging for the process: levels, stderr or a file, and the
/// line format (`text`, or `json`: one object per line, json_format.hpp).
/// Returns an empty string on success, else a message naming the bad value.
/// Safe to call again (tests do).
std::string setup(const log_options& opts);

/// The logger of one module ("mqtt", "router", ...), created on first use
/// with the configured sinks and level. Thread-safe; keep the pointer.
std::shared_ptr<spdlog::logger> get(std::string_view module);

/// Flushes all loggers (called at shutdown).
void flush();

} // namespace shelfwire::log
