#pragma once

#include <chrono>
#include <cstdint>

namespace shelfwire {

/// Monotonic microseconds since an arbitrary epoch: for latencies and timers.
inline int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Milliseconds since the Unix epoch: for timestamps that leave the process.
inline int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace shelfwire
