#pragma once

#include <cstdint>
#include <mutex>

namespace shelfwire::log {

/// Lets at most `per_second` log lines of one kind through per second and
/// counts the rest, so a flood of garbage (or of errors) cannot drown the log.
/// A window opens with the first line that gets through after the previous
/// window (of one second) has ended.
///
/// Thread-safe: any call may come from any thread (the MQTT client's
/// throttles are hit by paho's threads and by publishers at once). One small
/// mutex guards the decision and the counts; throttles sit on error paths, so
/// it is rarely contended. Not copyable.
///
/// Two ways to ask:
/// - `allow(now_us, suppressed)`: the decision and, with a yes, the number of
///   lines swallowed since the previous line that got through, in one step.
///   Use it when several threads share the throttle.
/// - `allow(now_us)`, then `suppressed()`: the same for a throttle with one
///   user (an actor's state); with several threads another call may land in
///   between and `suppressed()` then belongs to that call's line.
class throttle {
public:
  explicit throttle(uint32_t per_second = 5)
      : per_second_(per_second) {}
  throttle(const throttle&) = delete;
  throttle& operator=(const throttle&) = delete;

  /// True if a line may be logged now (`now_us`: steady_now_us()). Then
  /// `suppressed` gets the number of lines swallowed since the previous line
  /// that got through; on false it is left alone.
  bool allow(int64_t now_us, uint64_t& suppressed) {
    std::lock_guard<std::mutex> lk{mtx_};
    if (now_us - window_start_us_ >= 1'000'000) {
      window_start_us_ = now_us;
      in_window_ = 0;
    }
    if (in_window_ < per_second_) {
      ++in_window_;
      suppressed = suppressed_;
      last_suppressed_ = suppressed_;
      suppressed_ = 0;
      return true;
    }
    ++suppressed_;
    return false;
  }

  /// True if a line may be logged now. `suppressed()` then tells how many
  /// were swallowed since the last line that got through.
  bool allow(int64_t now_us) {
    uint64_t ignored = 0;
    return allow(now_us, ignored);
  }

  /// The count handed out with the latest line that got through.
  uint64_t suppressed() const {
    std::lock_guard<std::mutex> lk{mtx_};
    return last_suppressed_;
  }

private:
  mutable std::mutex mtx_;
  const uint32_t per_second_;
  uint32_t in_window_ = 0;                  // guarded by mtx_, as all below
  int64_t window_start_us_ = INT64_MIN / 2; // the first call opens a window
  uint64_t suppressed_ = 0;                 // swallowed since the last line through
  uint64_t last_suppressed_ = 0;            // what the last line through was told
};

} // namespace shelfwire::log
