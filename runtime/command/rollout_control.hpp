#pragma once

#include <cstdint>
#include <optional>

#include "runtime/command/outcome.hpp"

namespace shelfwire {

/// A job's rollout limits (docs/northbound.md, "Priority and rollout
/// control"): the submission's `rate`, `abort_threshold` and
/// `abort_min_outcomes`.
struct rollout_limits {
  std::optional<double> rate_per_s;      ///< none: release as fast as the dispatch window allows
  std::optional<double> abort_threshold; ///< none: never abort
  uint32_t abort_min_outcomes = 10;
};

/// The rules a job coordinator follows to release its commands and to give
/// up on a job, as pure logic: no clock (callers pass `now_us`), no actors.
///
/// **Rate.** A token bucket: tokens accrue at `rate_per_s`, up to
/// `burst()` = max(1, rate / 100) (what accrues in 10 ms), and one is taken
/// per command released. The bucket starts with one token, so the first
/// command goes at once and the k-th (0-based) no earlier than
/// (k + 1 - burst()) / rate seconds later.
///
/// **Abort.** Outcomes are counted as they are recorded. `acked` is a
/// success; `nacked`, `timed_out`, `unroutable` and `failed` are failures;
/// `superseded` and `aborted` are neither and do not count. Once at least
/// `abort_min_outcomes` outcomes count and failures / counted >=
/// `abort_threshold`, the job is aborted, for good.
class rollout_control {
public:
  /// The timer granularity of a rate-limited release: at most one wake-up
  /// per this many microseconds (and the burst that accrues meanwhile).
  static constexpr int64_t min_interval_us = 10'000;

  rollout_control() = default;
  rollout_control(rollout_limits limits, int64_t now_us);

  const rollout_limits& limits() const { return limits_; }

  // -- rate ----------------------------------------------------------------------

  bool rate_limited() const { return limits_.rate_per_s.has_value(); }
  /// Most tokens the bucket holds.
  double burst() const;
  /// Takes one token if there is one at `now_us` (always true when not rate
  /// limited).
  bool try_take(int64_t now_us);
  /// When to try again after try_take failed: when the next token is there,
  /// but no sooner than `min_interval_us` after `now_us`.
  int64_t next_release_us(int64_t now_us) const;

  // -- abort ---------------------------------------------------------------------

  /// Counts an outcome (see above). Returns true if this one made the job
  /// cross its threshold (once per job).
  bool record(outcome_status s);
  bool aborted() const { return aborted_; }
  uint64_t counted() const { return counted_; }
  uint64_t failures() const { return failures_; }

  /// Whether an outcome counts, and whether it counts as a failure.
  static bool counts(outcome_status s) {
    return s != outcome_status::superseded && s != outcome_status::aborted;
  }
  static bool is_failure(outcome_status s) { return counts(s) && s != outcome_status::acked; }

private:
  void refill(int64_t now_us);

  rollout_limits limits_;
  double tokens_ = 1;
  int64_t refilled_us_ = 0;
  uint64_t counted_ = 0;
  uint64_t failures_ = 0;
  bool aborted_ = false;
};

} // namespace shelfwire
