#pragma once

#include <cstdint>
#include <string>

namespace shelfwire::redis {

/// Options of one Redis connection (hiredis, synchronous, pipelined).
struct connection_options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string username; ///< ACL user: AUTH username password (Redis 6+) if not empty
  std::string password; ///< AUTH if not empty
  int db = 0;           ///< SELECT if not 0
  int connect_timeout_ms = 1000;
  /// Socket read/write timeout for a command or a whole pipeline.
  int command_timeout_ms = 1000;
  /// Reconnect backoff: first retry after min, doubling up to max. Calls made
  /// while waiting fail fast with errc::disconnected.
  int reconnect_min_ms = 100;
  int reconnect_max_ms = 5000;
};

} // namespace shelfwire::redis
