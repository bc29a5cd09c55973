#pragma once

#include <cstdint>

namespace shelfwire::log {

/// Lets at most `per_second` log lines of one kind through per second and
/// counts the rest, so a flood of garbage cannot drown the log. Not
/// thread-safe: one per actor.
class throttle {
public:
  explicit throttle(uint32_t per_second = 5)
      : per_second_(per_second) {}

  /// True if a line may be logged now. `suppressed()` then tells how many
  /// were swallowed since the last line that got through.
  bool allow(int64_t now_us) {
    if (now_us - window_start_us_ >= 1'000'000) {
      window_start_us_ = now_us;
      in_window_ = 0;
    }
    if (in_window_ < per_second_) {
      ++in_window_;
      last_suppressed_ = suppressed_;
      suppressed_ = 0;
      return true;
    }
    ++suppressed_;
    return false;
  }

  uint64_t suppressed() const { return last_suppressed_; }

private:
  uint32_t per_second_;
  uint32_t in_window_ = 0;
  int64_t window_start_us_ = INT64_MIN / 2;
  uint64_t suppressed_ = 0;
  uint64_t last_suppressed_ = 0;
};

} // namespace shelfwire::log
