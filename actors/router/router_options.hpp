#pragma once

#include "runtime/core/cores.hpp"

namespace shelfwire {

/// The router pool. Keys `routers.*` in the node config.
struct router_options {
  /// Router actors in the pool (round robin). Each has its own thread and
  /// Redis connection. 0: half the CPU cores, at least one
  /// (`effective_pool_size`).
  int pool_size = 0;
  /// How long a command waits for its router's answer (route lookup and
  /// publish) before it treats routing as unavailable and backs off.
  int lookup_timeout_ms = 1'000;
  /// Most ESL lookups sent to Redis in one pipeline.
  int lookup_batch_max = 256;

  /// The pool size `pool_size` stands for. One router answers every request
  /// that queued during its Redis round trip with one pipelined lookup, so
  /// routers add throughput only while they have cores to run on; beyond
  /// that each one adds thread wake-ups per command (docs/experiments.md,
  /// issue 16: 4 routers against 1 on two cores).
  int effective_pool_size() const { return pool_size > 0 ? pool_size : half_the_cores(); }
};

} // namespace shelfwire
