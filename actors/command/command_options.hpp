#pragma once

#include "runtime/command/retry_policy.hpp"

namespace shelfwire {

/// Command actors and their supervisors. Keys `commands.*` in the node config.
struct command_options {
  retry_policy retry;
  /// Supervisor shards per node; an ESL always maps to the same shard, which
  /// keeps one command in flight per ESL, in submission order.
  int supervisors = 2;
  /// Command actors running at once on the node (spread over the shards);
  /// more wait in their shard, in order, without their timers running: a
  /// burst (a whole store repriced) queues instead of timing out. 0 = no limit.
  int max_running = 1'000;
  /// Restarts of a crashed command actor before its outcome is `failed`.
  int max_restarts = 1;
  /// Granularity of command timers: each supervisor ticks at most this
  /// often while timers are pending; timers fire up to this much late.
  int timer_resolution_ms = 10;
  /// Fault hook for tests (not a config key): the first run of every command
  /// actor whose serial is a multiple of this throws at start. 0 = off.
  int fault_crash_one_in = 0;
};

} // namespace shelfwire
