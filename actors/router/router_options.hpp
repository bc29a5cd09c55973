#pragma once

namespace shelfwire {

/// The router pool. Keys `routers.*` in the node config.
struct router_options {
  /// Router actors in the pool (round robin). Each has its own thread and
  /// Redis connection.
  int pool_size = 4;
  /// How long a command waits for its router's answer (route lookup and
  /// publish) before it treats routing as unavailable and backs off.
  int lookup_timeout_ms = 1'000;
  /// Most ESL lookups sent to Redis in one pipeline.
  int lookup_batch_max = 256;
};

} // namespace shelfwire
