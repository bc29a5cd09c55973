#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/metrics/registry.hpp"
#include "runtime/redis/connection_options.hpp"

namespace shelfwire::redis {

/// Errors of a Redis call.
enum class errc : uint8_t {
  ok,
  disconnected, ///< no connection (or waiting out the reconnect backoff)
  timeout,      ///< the server did not answer in time; the connection is reset
  io_error,     ///< socket error; the connection is reset
  protocol,     ///< unparseable reply; the connection is reset
  /// The server answered with an error where the caller needed a result
  /// (script error, OOM, READONLY, LOADING, WRONGTYPE). Per-reply errors of
  /// the caller's own commands stay in the replies: `connection` returns it
  /// only when AUTH or SELECT is refused while connecting (the connection is
  /// then dropped and the backoff applies); the routing table returns it for
  /// failed script calls (the connection stays up).
  server_error,
};

/// A stable lower-case name for logs and metrics ("ok", "timeout", ...).
std::string_view to_string(errc e);

/// A Redis reply converted out of hiredis' structures.
struct reply {
  enum class kind : uint8_t { nil, integer, string, status, error, array };
  kind type = kind::nil;
  int64_t integer = 0;
  std::string str; ///< string, status or error text
  std::vector<reply> elements;

  bool is_error() const { return type == kind::error; }
};

/// One command as its argument vector: {"EVALSHA", sha, "2", k1, k2, ...}.
using command = std::vector<std::string>;

/// A synchronous hiredis connection used by exactly one thread at a time.
/// Connects lazily; after an error it waits out an exponential backoff
/// before the next attempt. Metrics under `metric_prefix`: commands,
/// pipelines, errors, reconnects; gauge up.
class connection {
public:
  connection(connection_options opts, metrics::registry& reg, std::string metric_prefix);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects now if disconnected and the backoff allows. Returns ok if connected.
  errc ensure_connected();
  bool connected() const;

  /// Sends all commands in one write, reads all replies. On success
  /// `out.size() == cmds.size()` (server errors are per-reply, not errc).
  /// On failure `out` is empty and the connection is reset.
  errc pipeline(const std::vector<command>& cmds, std::vector<reply>& out);

  /// One command (a pipeline of one).
  errc call(const command& cmd, reply& out);

  /// Drops the connection (next call reconnects, after backoff).
  void reset();

  const connection_options& options() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire::redis
