#include "runtime/command/rollout_control.hpp"

#include <algorithm>
#include <cmath>

namespace shelfwire {

rollout_control::rollout_control(rollout_limits limits, int64_t now_us)
    : limits_(limits)
    , refilled_us_(now_us) {
  limits_.abort_min_outcomes = std::max<uint32_t>(limits_.abort_min_outcomes, 1);
  if (limits_.rate_per_s && !(*limits_.rate_per_s > 0))
    limits_.rate_per_s.reset(); // (the decoder refuses these)
}

double rollout_control::burst() const {
  if (!limits_.rate_per_s)
    return 1;
  return std::max(1.0, *limits_.rate_per_s * static_cast<double>(min_interval_us) / 1e6);
}

void rollout_control::refill(int64_t now_us) {
  if (now_us <= refilled_us_)
    return;
  auto dt = static_cast<double>(now_us - refilled_us_) / 1e6;
  tokens_ = std::min(burst(), tokens_ + dt * *limits_.rate_per_s);
  refilled_us_ = now_us;
}

bool rollout_control::try_take(int64_t now_us) {
  if (!limits_.rate_per_s)
    return true;
  refill(now_us);
  // (A hair of tolerance: accrual in floating point must not cost a tick.)
  if (tokens_ < 1 - 1e-9)
    return false;
  tokens_ = std::max(0.0, tokens_ - 1);
  return true;
}

int64_t rollout_control::next_release_us(int64_t now_us) const {
  if (!limits_.rate_per_s)
    return now_us;
  auto tokens = tokens_;
  if (now_us > refilled_us_)
    tokens = std::min(burst(), tokens + static_cast<double>(now_us - refilled_us_) / 1e6 *
                                            *limits_.rate_per_s);
  auto wait_us =
      static_cast<int64_t>(std::ceil(std::max(0.0, 1 - tokens) / *limits_.rate_per_s * 1e6));
  return now_us + std::max(wait_us, min_interval_us);
}

bool rollout_control::record(outcome_status s) {
  if (!counts(s))
    return false;
  ++counted_;
  if (is_failure(s))
    ++failures_;
  if (aborted_ || !limits_.abort_threshold || counted_ < limits_.abort_min_outcomes)
    return false;
  // Division is correctly rounded: 3 of 30 compares equal to a threshold of 0.1.
  if (static_cast<double>(failures_) / static_cast<double>(counted_) < *limits_.abort_threshold)
    return false;
  aborted_ = true;
  return true;
}

} // namespace shelfwire
