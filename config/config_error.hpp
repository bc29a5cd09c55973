#pragma once

#include <string>

namespace shelfwire::config {

/// Why a configuration was refused. Errors are values: the loader never
/// throws; the caller prints `message` and stops.
struct config_error {
  /// The offending key ("routers.pool-size"), section name ("mqqt" for an
  /// unknown `[mqqt]`), command-line option ("--config"), or empty for a
  /// syntax error that belongs to no key.
  std::string key;
  /// One line for a human: names the key, the legal values or range, what was
  /// given and where ("node.ini:12", "command line", "default"). Example:
  /// `routers.pool-size: expected an integer in [1, 1024], got 'abc' (node.ini:12)`.
  std::string message;
};

} // namespace shelfwire::config
