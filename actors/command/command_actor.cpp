#include "actors/command/command_actor.hpp"

#include <chrono>
#include <stdexcept>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"

namespace shelfwire {

namespace {

using self_ptr = command_handle::stateful_pointer<command_state>;

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
  st.fsm.emplace(st.ctx->opts.commands.retry, accepted_us);
  auto now = steady_now_us();
  st.started_us = now;
  apply(self, st.fsm->start(now));
  return {
      [=](reply_atom, const gateway_reply& r) {
        if (self->state.fsm->done()) {
          self->state.ctx->metrics->replies_duplicate.inc();
          return;
        }
        reply_event ev;
        ev.attempt = r.attempt;
        ev.gw = r.gw;
        ev.ack = r.ack;
        ev.code = r.code;
        apply(self, self->state.fsm->on_reply(ev, steady_now_us()));
      },
      [=](timer_atom, uint8_t kind, uint32_t seq) {
        apply(self, self->state.fsm->on_timer(static_cast<command_step::timer_kind>(kind), seq,
                                              steady_now_us()));
      },
      [=](done_atom) { self->quit(); },
      [=](crash_atom) {
        // Fault hook: lets tests prove that supervision gives every command an outcome.
        throw std::runtime_error("injected crash");
      },
  };
}

} // namespace shelfwire
