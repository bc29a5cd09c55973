#pragma once

#include <algorithm>
#include <thread>

namespace shelfwire {

/// Half the machine's CPU cores, at least one: what a 0 ("auto") means for
/// the node's thread pools (`scheduler.threads`, `routers.pool-size`). Each
/// of them runs beside paho's threads and the other pool, and every thread
/// beyond the cores only adds wake-ups (docs/experiments.md, "Where a
/// node's CPU goes").
inline int half_the_cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
}

} // namespace shelfwire
