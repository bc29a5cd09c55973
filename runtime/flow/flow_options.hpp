#pragma once

#include <cstdint>

namespace shelfwire::flow {

/// How a node shares out gateway capacity (keys `gateway.*` and
/// `routing.balance-margin-db`, docs/gateways.md).
struct flow_options {
  /// Per-gateway windows on (false: every action is sent at once, as before
  /// flow control; the breaker and the statistics still work).
  bool enabled = true;
  int64_t window_initial = 8; ///< actions in flight per gateway at start
  int64_t window_min = 1;
  int64_t window_max = 128;
  /// Multiplicative decrease on a busy NACK or silence (once per window).
  double decrease = 0.5;
  /// Queueing signal: a round's fastest ACK slower than the recent rounds'
  /// fastest by more than this share of the ACK times' usual spread (round
  /// mean - round fastest) plus `queue_slack_us` means actions queue at the
  /// gateway (the window shrinks by 1 instead of growing).
  double queue_tolerance = 0.5;
  int64_t queue_slack_us = 5'000;
  /// Consecutive silent attempts that mark a gateway down; 0: no breaker.
  int64_t breaker_silent_attempts = 3;
  /// How long a down gateway gets no new commands before a probe.
  int64_t breaker_cool_down_ms = 10'000;
  /// Candidates whose RSSI is within this of the strongest compete on free
  /// window; 0: the strongest (route order) always wins.
  int64_t balance_margin_db = 6;
};

} // namespace shelfwire::flow
