#pragma once

#include <cstdint>
#include <string>

namespace shelfwire::routing {

/// How the RSSI routing table is kept in Redis. Keys `routing.*` and
/// `redis.key-prefix` in the node config. See docs/routing-table.md.
struct route_table_options {
  /// Prefix of every key we write ("sw" -> "sw:rt:{ESL}").
  std::string key_prefix = "sw";
  /// A gateway entry not refreshed for this long is not used for routing.
  int64_t stale_after_ms = 60'000;
  /// An ESL not heard by anyone for this long disappears from Redis (key TTL).
  int64_t forget_after_ms = 3'600'000;
  /// After Redis lost the table (restart, flush), a missing route means
  /// "not reported again yet" until the table has been rebuilding this long:
  /// commands wait and ask again (bounded by their deadline) instead of
  /// ending `unroutable`. At least one gateway status interval.
  int64_t warmup_ms = 30'000;
  /// Gateways kept per ESL: the best plus runner-ups.
  int max_candidates = 4;
  /// Most ESL keys one script call touches. A status message with more
  /// adverts (or a lookup of more ESLs) becomes several calls in the same
  /// pipeline (still one round trip), so that no single call blocks Redis for
  /// long: a key costs ~4.5 us (update) to ~7 us (lookup) of Redis time, so
  /// 100 keys hold Redis for under a millisecond.
  int max_keys_per_call = 100;
};

} // namespace shelfwire::routing
