#pragma once

namespace shelfwire {

/// The router pool. Keys `routers.*` in the node config.
struct router_options {
  /// Router actors in the pool (round robin).
  int pool_size = 4;
  /// How long a router waits for a route lookup before answering "unavailable".
  int lookup_timeout_ms = 1'000;
  /// Most ESL lookups sent to Redis in one pipeline.
  int lookup_batch_max = 256;
};

} // namespace shelfwire
