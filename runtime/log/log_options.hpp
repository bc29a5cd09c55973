#pragma once

#include <string>

namespace shelfwire::log {

/// How a process logs. Keys `log.*` in the node config.
struct log_options {
  /// Default level for every module: trace, debug, info, warn, error, critical, off.
  std::string level = "info";
  /// Per-module overrides, "module=level,module=level" (e.g. "mqtt=debug,redis=warn").
  std::string module_levels;
  /// Log file; empty logs to stderr.
  std::string file;
  /// "text" (one human-readable line per entry) or "json" (one JSON object
  /// per line: time, level, node, module, message, and job/command/ESL ids).
  std::string format = "text";
  /// Written into every line, so the lines of several nodes can be told apart.
  std::string process_name = "shelfwire";
};

} // namespace shelfwire::log
