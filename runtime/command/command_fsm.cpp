#include "runtime/command/command_fsm.hpp"

#include <algorithm>

namespace shelfwire {

namespace {

command_step ignore(command_step::ignore_reason r) {
  command_step s;
  s.ignored = r;
  return s;
}

} // namespace

command_fsm::command_fsm(const retry_policy& policy, int64_t accepted_us, uint64_t seed)
    : policy_(policy)
    , deadline_us_(accepted_us + policy.timeout_ms * 1000)
    , jitter_(seed) {
  if (policy_.max_attempts < 1)
    policy_.max_attempts = 1;
}

command_step command_fsm::start(int64_t now_us) {
  if (state_ != state::created)
    return ignore(command_step::ignore_reason::stale);
  return dispatch_next(now_us);
}

command_step command_fsm::dispatch_next(int64_t now_us) {
  if (first_dispatch_us_ < 0)
    first_dispatch_us_ = now_us;
  state_ = state::routing;
  command_step s;
  s.what = command_step::kind::dispatch;
  s.seq = ++seq_;
  s.attempt = static_cast<uint8_t>(std::min<uint32_t>(attempts_ + 1, 255));
  s.tried = tried_;
  s.allow_repeat = policy_.retry_same_gateway;
  auto remaining_ms = std::max<int64_t>((deadline_us_ - now_us) / 1000, 1);
  s.ttl_ms = static_cast<uint32_t>(std::min(policy_.attempt_timeout_ms, remaining_ms));
  return s;
}

command_step command_fsm::finish(outcome_status st, std::string_view reason, int64_t now_us,
                                 uint32_t code, std::optional<gw_mac> gw) {
  state_ = state::done;
  command_step s;
  s.what = command_step::kind::finish;
  auto& o = s.outcome;
  o.status = st;
  o.code = code;
  if (gw) {
    o.has_gw = true;
    o.gw = *gw;
  } else if (!tried_.empty()) {
    o.has_gw = true;
    o.gw = tried_.back();
  }
  o.attempts = attempts_;
  o.reason = std::string{reason};
  if ((st == outcome_status::acked || st == outcome_status::nacked) && first_dispatch_us_ >= 0)
    o.backbone_us = now_us - first_dispatch_us_;
  return s;
}

command_step command_fsm::exhausted(std::string_view reason, int64_t now_us) {
  if (last_nack_)
    return finish(outcome_status::nacked, outcome_reason::gateway_nack, now_us, *last_nack_);
  return finish(outcome_status::timed_out, reason, now_us);
}

bool command_fsm::retryable(uint32_t code) const {
  auto& c = policy_.retry_on_codes;
  return std::find(c.begin(), c.end(), code) != c.end();
}

int64_t command_fsm::capped_delay_ms(int64_t delay_ms, int64_t now_us) const {
  // Round up so that the timer never fires before the deadline.
  auto left_ms = (deadline_us_ - now_us + 999) / 1000;
  return std::max<int64_t>(std::min(delay_ms, left_ms), 1);
}

command_step command_fsm::on_queued(uint32_t seq, gw_mac, int64_t now_us) {
  if (state_ != state::routing || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  unavailable_in_row_ = 0;
  state_ = state::queued;
  // Same seq: the window opening (on_dispatched) and this timer both name
  // the dispatch; the router's timer (kind routing) is stale from now on.
  command_step s;
  s.what = command_step::kind::arm_timer;
  s.timer = command_step::timer_kind::window;
  s.seq = seq_;
  s.delay_ms = capped_delay_ms(INT64_MAX / 1000, now_us); // = until the deadline
  return s;
}

command_step command_fsm::on_requeue(uint32_t seq, int64_t now_us) {
  if (state_ != state::queued || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  return dispatch_next(now_us);
}

command_step command_fsm::on_dispatched(uint32_t seq, gw_mac gw, int64_t now_us) {
  if ((state_ != state::routing && state_ != state::queued) || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  // Waiting for a gateway window is the node's own queueing, like waiting
  // for a running slot: the backbone latency starts when the action goes.
  if (state_ == state::queued && attempts_ == 0)
    first_dispatch_us_ = now_us;
  unavailable_in_row_ = 0;
  ++attempts_;
  tried_.push_back(gw);
  answered_.push_back(false);
  state_ = state::waiting;
  command_step s;
  s.what = command_step::kind::arm_timer;
  s.timer = command_step::timer_kind::attempt;
  s.seq = ++seq_;
  s.delay_ms = capped_delay_ms(policy_.attempt_timeout_ms, now_us);
  return s;
}

command_step command_fsm::on_no_route(uint32_t seq, int64_t now_us) {
  if (state_ != state::routing || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  if (attempts_ == 0)
    return finish(outcome_status::unroutable, outcome_reason::no_fresh_route, now_us);
  return exhausted(outcome_reason::no_more_candidates, now_us);
}

command_step command_fsm::on_table_warming(uint32_t seq, int64_t now_us) {
  if (state_ != state::routing || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  // Waiting past the deadline would change nothing: what the table says
  // now is the answer.
  auto delay_ms = jittered_backoff_ms(policy_.unavailable_backoff_ms, policy_.backoff_max_ms,
                                      ++unavailable_in_row_, jitter_);
  if (now_us + delay_ms * 1000 >= deadline_us_) {
    if (attempts_ == 0)
      return finish(outcome_status::unroutable, outcome_reason::table_rebuilding, now_us);
    return exhausted(outcome_reason::no_more_candidates, now_us);
  }
  return back_off(delay_ms, now_us);
}

command_step command_fsm::back_off(int64_t delay_ms, int64_t now_us) {
  state_ = state::backing_off;
  command_step s;
  s.what = command_step::kind::arm_timer;
  s.timer = command_step::timer_kind::backoff;
  s.seq = ++seq_;
  s.delay_ms = capped_delay_ms(delay_ms, now_us);
  return s;
}

command_step command_fsm::retry_after_backoff(int64_t now_us) {
  if (policy_.retry_backoff_ms <= 0)
    return dispatch_next(now_us);
  return back_off(
      jittered_backoff_ms(policy_.retry_backoff_ms, policy_.backoff_max_ms, ++retries_, jitter_),
      now_us);
}

command_step command_fsm::on_unavailable(uint32_t seq, int64_t now_us) {
  return unavailable(seq, outcome_reason::routing_unavailable, now_us);
}

command_step command_fsm::on_gateway_down(uint32_t seq, int64_t now_us) {
  return unavailable(seq, outcome_reason::gateway_down, now_us);
}

command_step command_fsm::unavailable(uint32_t seq, std::string_view reason, int64_t now_us) {
  if (state_ != state::routing || seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  unavailable_reason_ = reason;
  auto delay_ms = jittered_backoff_ms(policy_.unavailable_backoff_ms, policy_.backoff_max_ms,
                                      ++unavailable_in_row_, jitter_);
  if (now_us + delay_ms * 1000 >= deadline_us_)
    return finish(outcome_status::timed_out, reason, now_us);
  return back_off(delay_ms, now_us);
}

command_step command_fsm::on_reply(const reply_event& r, int64_t now_us) {
  if (state_ == state::done || state_ == state::created)
    return ignore(command_step::ignore_reason::stale);
  // The gateway's answer can overtake the router's own report that it
  // published (they travel different paths), or come after the routing
  // timer gave up on that report (a router slower than
  // routers.lookup-timeout-ms still publishes). An answer for the attempt
  // being routed, or about to be routed again, proves the action went out
  // through r.gw: record it now.
  if (state_ == state::routing || state_ == state::backing_off) {
    bool pending = r.attempt != 0 ? r.attempt == attempts_ + 1
                                  : std::find(tried_.begin(), tried_.end(), r.gw) == tried_.end();
    if (pending) {
      ++attempts_;
      tried_.push_back(r.gw);
      answered_.push_back(false);
      state_ = state::waiting; // the router's late report, the backoff timer: now stale
      ++seq_;
    }
  }
  // Which attempt does this answer? Token replies name it; legacy replies
  // are matched by gateway (the most recent attempt through that gateway).
  size_t idx;
  if (r.attempt != 0) {
    if (r.attempt > attempts_ || tried_[r.attempt - 1u] != r.gw)
      return ignore(command_step::ignore_reason::stray);
    idx = r.attempt - 1u;
  } else {
    auto it = std::find(tried_.rbegin(), tried_.rend(), r.gw);
    if (it == tried_.rend())
      return ignore(command_step::ignore_reason::stray);
    idx = static_cast<size_t>(tried_.rend() - it) - 1;
  }
  if (answered_[idx])
    return ignore(command_step::ignore_reason::duplicate);
  answered_[idx] = true;
  if (r.ack)
    return finish(outcome_status::acked, outcome_reason::none, now_us, 0, r.gw);
  bool current = idx + 1 == attempts_ && state_ == state::waiting;
  if (!current) {
    // An older attempt's NACK while a newer one is in flight (or being
    // routed): remember it, keep going.
    last_nack_ = r.code;
    return command_step{};
  }
  if (retryable(r.code) && attempts_ < static_cast<uint32_t>(policy_.max_attempts)) {
    last_nack_ = r.code;
    // Busy: the gateway has too much to do; the retry waits (exponential,
    // jittered) so that NACKed commands do not come back together. Other
    // codes (not in range) say nothing about load: the next candidate now.
    if (r.code == nack_code::busy)
      return retry_after_backoff(now_us);
    return dispatch_next(now_us);
  }
  return finish(outcome_status::nacked, outcome_reason::gateway_nack, now_us, r.code, r.gw);
}

command_step command_fsm::on_timer(command_step::timer_kind k, uint32_t seq, int64_t now_us) {
  if (seq != seq_)
    return ignore(command_step::ignore_reason::stale);
  // Timers are capped at the deadline, so the deadline needs no timer of its own.
  if (now_us >= deadline_us_ &&
      (state_ == state::waiting || state_ == state::backing_off || state_ == state::queued)) {
    // The reason names what the command was waiting for.
    if (state_ == state::backing_off && unavailable_in_row_ > 0)
      return finish(outcome_status::timed_out, unavailable_reason_, now_us);
    if (state_ == state::queued && !last_nack_)
      return finish(outcome_status::timed_out, outcome_reason::gateway_window, now_us);
    return on_deadline(now_us);
  }
  if (k == command_step::timer_kind::window)
    return ignore(command_step::ignore_reason::stale); // the window opened first
  if (k == command_step::timer_kind::routing) {
    if (state_ != state::routing)
      return ignore(command_step::ignore_reason::stale);
    return on_unavailable(seq, now_us);
  }
  if (k == command_step::timer_kind::backoff) {
    if (state_ != state::backing_off)
      return ignore(command_step::ignore_reason::stale);
    return dispatch_next(now_us);
  }
  if (state_ != state::waiting)
    return ignore(command_step::ignore_reason::stale);
  // Silence: the next candidate after a short jittered wait, so that the
  // commands a dark gateway held do not all come back in one instant.
  if (attempts_ < static_cast<uint32_t>(policy_.max_attempts))
    return retry_after_backoff(now_us);
  return exhausted(outcome_reason::no_reply, now_us);
}

command_step command_fsm::on_deadline(int64_t now_us) {
  if (state_ == state::done)
    return ignore(command_step::ignore_reason::stale);
  if (last_nack_)
    return finish(outcome_status::nacked, outcome_reason::gateway_nack, now_us, *last_nack_);
  return finish(outcome_status::timed_out, outcome_reason::deadline, now_us);
}

std::string_view to_string(command_fsm::state s) {
  switch (s) {
  case command_fsm::state::created:
    return "created";
  case command_fsm::state::routing:
    return "routing";
  case command_fsm::state::queued:
    return "queued";
  case command_fsm::state::waiting:
    return "waiting";
  case command_fsm::state::backing_off:
    return "backing_off";
  case command_fsm::state::done:
    return "done";
  }
  return "?";
}

} // namespace shelfwire
