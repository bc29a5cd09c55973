#include "actors/command/command_actor.hpp"

#include <chrono>
#include <stdexcept>

#include <caf/all.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "runtime/core/clock.hpp"

namespace shelfwire {

void command_state::release_gateways() {
  gateways_released = true;
  if (ctx && ctx->gateways)
    ctx->gateways->forget(id);
}

command_state::~command_state() {
  if (!gateways_released)
    release_gateways();
}

namespace {

using self_ptr = command_handle::stateful_pointer<command_state>;

/// The attempt a reply answers: named by its token, or (legacy gateway)
/// the latest attempt through its gateway; 0 if none.
uint8_t attempt_of(const command_fsm& fsm, const gateway_reply& r) {
  if (r.attempt != 0)
    return r.attempt;
  auto& tried = fsm.tried();
  for (size_t i = tried.size(); i > 0; --i)
    if (tried[i - 1] == r.gw)
      return static_cast<uint8_t>(std::min<size_t>(i, 255));
  return 0;
}

/// Tells the gateway windows how an attempt ended.
void release(self_ptr self, uint8_t attempt, flow::signal s) {
  auto& st = self->state;
  if (attempt != 0 && st.ctx->gateways)
    st.ctx->gateways->release({st.id, attempt}, s);
}

void apply(self_ptr self, command_step step);

/// Timers are kept by the supervisor's timer queue (one coarse tick per
/// shard), not by the CAF clock (one wake-up per command).
void arm(self_ptr self, command_step::timer_kind kind, uint32_t seq, int64_t delay_ms) {
  auto& st = self->state;
  timer_request t;
  t.command_id = st.id;
  t.kind = static_cast<uint8_t>(kind);
  t.seq = seq;
  t.due_us = steady_now_us() + delay_ms * 1000;
  t.attempts = st.fsm->attempts();
  if (!st.fsm->tried().empty()) {
    t.has_gw = true;
    t.gw = st.fsm->tried().back();
  }
  self->send(st.supervisor, timer_atom_v, t);
}

void on_dispatch_result(self_ptr self, const dispatch_result& r) {
  auto& fsm = *self->state.fsm;
  auto now = steady_now_us();
  switch (r.what) {
  case dispatch_result::kind::sent:
    self->state.current_gw = r.gw;
    apply(self, fsm.on_dispatched(r.seq, r.gw, now));
    break;
  case dispatch_result::kind::no_route:
    apply(self, fsm.on_no_route(r.seq, now));
    break;
  case dispatch_result::kind::unavailable:
    apply(self, fsm.on_unavailable(r.seq, now));
    break;
  case dispatch_result::kind::warming:
    apply(self, fsm.on_table_warming(r.seq, now));
    break;
  case dispatch_result::kind::gateway_down:
    apply(self, fsm.on_gateway_down(r.seq, now));
    break;
  case dispatch_result::kind::queued:
    self->state.current_gw = r.gw;
    apply(self, fsm.on_queued(r.seq, r.gw, now));
    break;
  }
}

void apply(self_ptr self, command_step step) {
  auto& st = self->state;
  switch (step.what) {
  case command_step::kind::none:
    switch (step.ignored) {
    case command_step::ignore_reason::duplicate:
      st.ctx->metrics->replies_duplicate.inc();
      break;
    case command_step::ignore_reason::stray:
      st.ctx->metrics->replies_stray.inc();
      break;
    default:
      break;
    }
    return;
  case command_step::kind::dispatch: {
    dispatch_request req;
    req.command_id = st.id;
    req.seq = step.seq;
    req.attempt = step.attempt;
    req.cmd = st.cmd;
    req.tried = std::move(step.tried);
    req.allow_repeat = step.allow_repeat;
    req.ttl_ms = step.ttl_ms;
    auto seq = step.seq;
    // No CAF request timeout (one clock timer per command): the routing
    // timer below, kept by the supervisor's timer queue, covers a router
    // that never answers.
    arm(self, command_step::timer_kind::routing, seq, st.ctx->opts.routers.lookup_timeout_ms);
    self->request(st.ctx->routers, caf::infinite, dispatch_atom_v, std::move(req))
        .then([=](const dispatch_result& r) { on_dispatch_result(self, r); },
              [=](const caf::error&) {
                // Router pool empty or router gone: routing is unavailable
                // for now; the machine backs off and asks again.
                apply(self, self->state.fsm->on_unavailable(seq, steady_now_us()));
              });
    return;
  }
  case command_step::kind::arm_timer:
    arm(self, step.timer, step.seq, step.delay_ms);
    return;
  case command_step::kind::finish:
    st.release_gateways(); // nothing of it may hold or wait for a window now
    // Stay until the supervisor has recorded the outcome (it answers with
    // done_atom): replies it forwards meanwhile are counted as duplicates
    // here instead of vanishing in a closed mailbox.
    self->send(st.supervisor, outcome_atom_v, st.id, std::move(step.outcome));
    return;
  }
}

} // namespace

command_handle::behavior_type command_actor(self_ptr self, node_context_ptr ctx,
                                            shard_handle supervisor, uint64_t id, command_spec cmd,
                                            int64_t accepted_us, int restarts) {
  auto& st = self->state;
  auto crash_one_in = ctx->opts.commands.fault_crash_one_in;
  if (crash_one_in > 0 && restarts == 0 && (id & 0xFFFFFFFFFFFFull) % crash_one_in == 0)
    throw std::runtime_error("injected crash at start (commands.fault_crash_one_in)");
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.id = id;
  st.cmd = std::move(cmd);
  st.fsm.emplace(st.ctx->opts.commands.retry, accepted_us, id);
  auto now = steady_now_us();
  st.started_us = now;
  apply(self, st.fsm->start(now));
  return {
      [=](reply_atom, const gateway_reply& r) {
        if (self->state.fsm->done()) {
          self->state.ctx->metrics->replies_duplicate.inc();
          return;
        }
        auto& fsm = *self->state.fsm;
        // First the window: the slot this answer frees may let another
        // command's action go.
        release(self, attempt_of(fsm, r),
                r.ack                       ? flow::signal::ack
                : r.code == nack_code::busy ? flow::signal::busy
                                            : flow::signal::nack);
        reply_event ev;
        ev.attempt = r.attempt;
        ev.gw = r.gw;
        ev.ack = r.ack;
        ev.code = r.code;
        apply(self, fsm.on_reply(ev, steady_now_us()));
      },
      [=](timer_atom, uint8_t kind, uint32_t seq) {
        auto& fsm = *self->state.fsm;
        auto k = static_cast<command_step::timer_kind>(kind);
        auto was = fsm.current();
        auto attempt = static_cast<uint8_t>(std::min<uint32_t>(fsm.attempts(), 255));
        auto step = fsm.on_timer(k, seq, steady_now_us());
        if (k == command_step::timer_kind::attempt && was == command_fsm::state::waiting &&
            step.ignored == command_step::ignore_reason::none) {
          // The attempt went unanswered: silence, unless it was the
          // command's deadline that cut it short.
          bool deadline = step.what == command_step::kind::finish &&
                          step.outcome.reason == outcome_reason::deadline;
          release(self, attempt, deadline ? flow::signal::neutral : flow::signal::silence);
        }
        apply(self, std::move(step));
      },
      [=](window_atom, uint32_t seq, gw_mac gw) {
        // The action waited for its gateway's window and went out now.
        self->state.current_gw = gw;
        apply(self, self->state.fsm->on_dispatched(seq, gw, steady_now_us()));
      },
      [=](window_atom, uint32_t seq) {
        apply(self, self->state.fsm->on_requeue(seq, steady_now_us()));
      },
      [=](done_atom) { self->quit(); },
      [=](crash_atom) {
        // Fault hook: lets tests prove that supervision gives every command an outcome.
        throw std::runtime_error("injected crash");
      },
  };
}

} // namespace shelfwire
