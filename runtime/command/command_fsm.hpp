#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/command/backoff.hpp"
#include "runtime/command/outcome.hpp"
#include "runtime/command/retry_policy.hpp"
#include "runtime/core/mac.hpp"

namespace shelfwire {

/// What the command actor must do after feeding an event to the state machine.
struct command_step {
  enum class kind : uint8_t {
    none,      ///< nothing (event ignored or consumed); see `ignored`
    dispatch,  ///< ask a router to publish attempt `attempt` (request tag `seq`)
    arm_timer, ///< start a timer of `timer` kind, tagged `seq`, firing after `delay_ms`
    finish,    ///< the command ended: report `outcome` and stop
  };
  /// attempt: the gateway's answer is overdue; backoff: time to ask the
  /// routers again; routing: the router's answer is overdue (armed by the
  /// shell for every dispatch, with the router timeout); window: the
  /// deadline of a command waiting for its gateway's window.
  enum class timer_kind : uint8_t { attempt, backoff, routing, window };
  enum class ignore_reason : uint8_t { none, stale, duplicate, stray };

  kind what = kind::none;
  // dispatch
  uint32_t seq = 0;
  uint8_t attempt = 0;
  std::vector<gw_mac> tried; ///< gateways already tried, oldest first
  bool allow_repeat = false; ///< router may reuse a tried gateway if no untried one is fresh
  uint32_t ttl_ms = 0;       ///< what the gateway may spend on this attempt
  // arm_timer
  timer_kind timer = timer_kind::attempt;
  int64_t delay_ms = 0;
  // finish
  command_outcome outcome;
  // none
  ignore_reason ignored = ignore_reason::none;
};

/// A gateway's answer as the command sees it.
struct reply_event {
  uint8_t attempt = 0; ///< from the token; 0 for legacy gateways (no token)
  gw_mac gw;           ///< from the response topic
  bool ack = false;
  uint32_t code = 0;
};

/// The life of one ESL command, as pure logic: no actors, no clocks of its
/// own (callers pass `now_us`), no I/O. The command actor is a thin shell
/// that turns command_steps into requests and timers.
///
///   start -> dispatch -> (dispatched -> wait reply | no route | unavailable -> backoff)
///   reply ack -> acked; nack -> nacked, or the next candidate for codes in
///   retry_on_codes; attempt timer -> the next candidate, or timed_out when
///   attempts are spent; the overall deadline -> timed_out.
///
/// A late reply for an earlier attempt still counts: an ACK means the ESL
/// got the command, whichever attempt carried it. A reply may also overtake
/// the router's report that it published: it then stands for that report.
class command_fsm {
public:
  /// `seed` seeds the command's backoff jitter (its id, so that commands
  /// failing together do not retry together, and runs are reproducible).
  command_fsm(const retry_policy& policy, int64_t accepted_us, uint64_t seed = 0);

  /// First step: always a dispatch of attempt 1.
  command_step start(int64_t now_us);

  /// The router published attempt `attempt` through `gw` (also: the window
  /// of a queued attempt opened and it was published; for a first attempt
  /// the backbone latency counts from here, not from the wait's start).
  command_step on_dispatched(uint32_t seq, gw_mac gw, int64_t now_us);
  /// The router chose `gw`, whose window is full: the attempt waits in the
  /// node (no attempt timer) until on_dispatched (the window opened, same
  /// `seq`) or on_requeue (the gateway went down: route again). Only the
  /// deadline ends the wait (timer `window`).
  command_step on_queued(uint32_t seq, gw_mac gw, int64_t now_us);
  /// The gateway this command waited for went down: route it again now
  /// (no attempt was spent).
  command_step on_requeue(uint32_t seq, int64_t now_us);
  /// The router found no fresh candidate it may use.
  command_step on_no_route(uint32_t seq, int64_t now_us);
  /// The router found no route while the table was being rebuilt after
  /// Redis lost it: back off and ask again; near the deadline, the command
  /// ends as if there were no route (reason `routing_table_rebuilding`).
  command_step on_table_warming(uint32_t seq, int64_t now_us);
  /// The router could not work (Redis or broker down, router timeout).
  command_step on_unavailable(uint32_t seq, int64_t now_us);
  /// Every gateway the command could use is down (breaker): back off as for
  /// on_unavailable and ask again; at the deadline it ends timed_out,
  /// reason `gateway_down` (nacked if an earlier attempt was NACKed).
  command_step on_gateway_down(uint32_t seq, int64_t now_us);
  /// A gateway answered.
  command_step on_reply(const reply_event& r, int64_t now_us);
  /// A timer armed by a previous step fired.
  command_step on_timer(command_step::timer_kind k, uint32_t seq, int64_t now_us);
  /// The overall deadline (accepted + timeout_ms) passed. Callers need no
  /// timer for it: every timer the machine arms is capped at the deadline,
  /// and a timer firing at or past it ends the command.
  command_step on_deadline(int64_t now_us);

  bool done() const { return state_ == state::done; }
  uint32_t attempts() const { return attempts_; }
  const std::vector<gw_mac>& tried() const { return tried_; }
  /// When the overall deadline is, in the caller's microsecond clock.
  int64_t deadline_us() const { return deadline_us_; }

  /// Names of the states, for inspection.
  enum class state : uint8_t { created, routing, queued, waiting, backing_off, done };
  state current() const { return state_; }

private:
  command_step dispatch_next(int64_t now_us);
  command_step finish(outcome_status st, std::string_view reason, int64_t now_us, uint32_t code = 0,
                      std::optional<gw_mac> gw = std::nullopt);
  command_step exhausted(std::string_view reason, int64_t now_us);
  command_step back_off(int64_t delay_ms, int64_t now_us);
  command_step unavailable(uint32_t seq, std::string_view reason, int64_t now_us);
  /// The next attempt after a busy NACK or a silence: after the jittered
  /// retry backoff, or at once when it is 0.
  command_step retry_after_backoff(int64_t now_us);
  bool retryable(uint32_t code) const;
  int64_t capped_delay_ms(int64_t delay_ms, int64_t now_us) const;

  retry_policy policy_;
  int64_t deadline_us_; ///< accepted + policy.timeout_ms
  int64_t first_dispatch_us_ = -1;
  state state_ = state::created;
  uint32_t seq_ = 0;           ///< tag of the current dispatch or timer
  uint32_t attempts_ = 0;      ///< actions published
  std::vector<gw_mac> tried_;  ///< gateway of attempt i at index i-1
  std::vector<bool> answered_; ///< attempt i answered at index i-1
  std::optional<uint32_t> last_nack_;
  jitter_source jitter_;
  uint32_t unavailable_in_row_ = 0;     ///< routing unavailable, in a row (backoff exponent)
  std::string_view unavailable_reason_; ///< why, if the deadline comes while backing off
  uint32_t retries_ = 0;                ///< busy or silent attempts retried (backoff exponent)
};

std::string_view to_string(command_fsm::state s);

} // namespace shelfwire
