#pragma once

#include <cstdint>

namespace shelfwire {

/// At most `per_second` answers of one kind per one-second window; the rest
/// are counted, and once their window has ended the count is handed out
/// once, for a summary. Bounds what bad input can make us publish (a flood
/// of malformed submissions gets `per_second` rejections a second plus one
/// summary, not one rejection each). Single-threaded (an actor's state).
class publish_budget {
public:
  explicit publish_budget(int64_t per_second)
      : per_second_(per_second) {}

  /// True: publish this one. False: suppressed (counted for the summary).
  bool take(int64_t now_us) {
    roll(now_us);
    if (used_ < per_second_) {
      ++used_;
      return true;
    }
    ++suppressed_now_;
    return false;
  }

  /// How many were suppressed in windows that have ended and not yet been
  /// summarised; 0 when none. Resets that count.
  uint64_t take_summary(int64_t now_us) {
    roll(now_us);
    auto n = suppressed_done_;
    suppressed_done_ = 0;
    return n;
  }

  int64_t per_second() const { return per_second_; }

private:
  void roll(int64_t now_us) {
    if (now_us - window_start_us_ < 1'000'000)
      return;
    window_start_us_ = now_us;
    used_ = 0;
    suppressed_done_ += suppressed_now_;
    suppressed_now_ = 0;
  }

  int64_t per_second_;
  int64_t window_start_us_ = INT64_MIN / 2;
  int64_t used_ = 0;
  uint64_t suppressed_now_ = 0;
  uint64_t suppressed_done_ = 0;
};

} // namespace shelfwire
