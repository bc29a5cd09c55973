#include "actors/command/command_supervisor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/command/command_actor.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<command_supervisor_state>*;
using entry = command_supervisor_state::entry;

void spawn_actor(self_ptr self, uint64_t id, entry& e) {
  auto& st = self->state;
  e.actor = self->spawn<caf::monitored>(command_actor, st.ctx, caf::actor_cast<caf::actor>(self),
                                        id, e.cmd, e.accepted_us, e.restarts);
  st.by_actor.emplace(e.actor.address(), id);
  st.ctx->metrics->commands_in_flight.add(1);
}

void start(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.commands.find(id);
  if (i == st.commands.end() || st.shutting_down)
    return;
  st.ctx->metrics->commands_started.inc();
  spawn_actor(self, id, i->second);
}

/// Reports `o` for command `id`, forgets it, and starts the next command of
/// its ESL. The only place outcomes leave the shard: exactly once per command.
void finalize(self_ptr self, uint64_t id, command_outcome o) {
  auto& st = self->state;
  auto i = st.commands.find(id);
  if (i == st.commands.end())
    return;
  auto& e = i->second;
  auto& m = *st.ctx->metrics;
  auto now = steady_now_us();
  command_report rep;
  rep.esl = e.cmd.esl;
  rep.latency_us = now - e.accepted_us;
  m.outcome(o.status).inc();
  m.latency_end_to_end_us.record(static_cast<uint64_t>(std::max<int64_t>(rep.latency_us, 0)));
  if (o.backbone_us >= 0)
    m.latency_backbone_us.record(static_cast<uint64_t>(o.backbone_us));
  m.commands_pending.add(-1);
  rep.outcome = std::move(o);
  self->send(e.reply_to, outcome_atom_v, e.index, std::move(rep));
  if (e.actor) {
    self->send(e.actor, done_atom_v); // release it: its outcome is recorded
    st.by_actor.erase(e.actor.address());
    m.commands_in_flight.add(-1);
  }
  auto esl = e.cmd.esl;
  st.commands.erase(i);
  auto q = st.queues.find(esl);
  if (q == st.queues.end())
    return;
  auto& dq = q->second;
  bool was_front = !dq.empty() && dq.front() == id;
  dq.erase(std::remove(dq.begin(), dq.end(), id), dq.end());
  if (dq.empty()) {
    st.queues.erase(q);
    return;
  }
  if (was_front)
    start(self, dq.front());
}

void schedule_tick(self_ptr self, int64_t due_us) {
  auto& st = self->state;
  auto res_us = int64_t{st.ctx->opts.commands.timer_resolution_ms} * 1000;
  auto at = timer_queue::tick_for(due_us, res_us);
  if (at >= st.next_tick_us)
    return; // an earlier tick will see it
  st.next_tick_us = at;
  auto delay = std::max<int64_t>(at - steady_now_us(), 0);
  self->delayed_send(self, std::chrono::microseconds{delay}, caf::tick_atom_v);
}

/// An outcome the supervisor writes itself: says what was sent, as far as
/// the command actor reported it.
command_outcome ended(const entry& e, outcome_status s, std::string_view reason) {
  command_outcome o;
  o.status = s;
  o.reason = std::string{reason};
  o.attempts = e.attempts_before + e.attempts;
  o.has_gw = e.has_gw;
  o.gw = e.gw;
  return o;
}

} // namespace

caf::behavior command_supervisor(self_ptr self, node_context_ptr ctx, uint64_t shard_index) {
  self->state.ctx = std::move(ctx);
  self->state.shard_index = shard_index;
  auto lg = log::get("command");
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.by_actor.find(dm.source);
    if (i == st.by_actor.end())
      return; // ended normally after reporting its outcome
    auto id = i->second;
    st.by_actor.erase(i);
    st.ctx->metrics->commands_in_flight.add(-1);
    auto c = st.commands.find(id);
    if (c == st.commands.end())
      return;
    auto& e = c->second;
    e.actor = caf::actor{};
    // The next incarnation starts counting again: keep what this one sent.
    e.attempts_before += e.attempts;
    e.attempts = 0;
    auto why = self->system().render(dm.reason);
    if (!st.shutting_down && e.restarts < st.ctx->opts.commands.max_restarts) {
      ++e.restarts;
      st.ctx->metrics->commands_restarts.inc();
      lg->warn("command {} for ESL {} stopped ({}): restart {}/{}", id, e.cmd.esl.to_string(), why,
               e.restarts, st.ctx->opts.commands.max_restarts);
      spawn_actor(self, id, e);
      return;
    }
    lg->error("command {} for ESL {} stopped ({}): restart budget spent, ending failed", id,
              e.cmd.esl.to_string(), why);
    finalize(self, id, ended(e, outcome_status::failed, outcome_reason::crashed));
  });
  return {
      [=](submit_atom, uint32_t index, command_spec& cmd) {
        auto& st = self->state;
        auto& m = *st.ctx->metrics;
        auto id = (st.shard_index << 48) | st.next_serial++;
        entry e;
        e.index = index;
        e.cmd = std::move(cmd);
        e.reply_to = caf::actor_cast<caf::actor>(self->current_sender());
        e.accepted_us = steady_now_us();
        auto esl = e.cmd.esl;
        auto op = e.cmd.op;
        st.commands.emplace(id, std::move(e));
        m.commands_accepted.inc();
        m.commands_pending.add(1);
        if (st.shutting_down) {
          finalize(self, id,
                   ended(st.commands.at(id), outcome_status::failed, outcome_reason::shutdown));
          return;
        }
        auto& dq = st.queues[esl];
        // A waiting command (not the one in flight) with the same op is
        // replaced: the ESL only needs the newest price, image or page.
        if (dq.size() > 1) {
          std::vector<uint64_t> replaced;
          for (size_t k = 1; k < dq.size(); ++k)
            if (st.commands.at(dq[k]).cmd.op == op)
              replaced.push_back(dq[k]);
          for (auto old : replaced)
            finalize(
                self, old,
                ended(st.commands.at(old), outcome_status::superseded, outcome_reason::superseded));
        }
        auto& q = st.queues[esl]; // finalize may have erased and re-created nothing: re-fetch
        q.push_back(id);
        if (q.size() == 1)
          start(self, id);
        else
          m.commands_queued_behind_esl.inc();
      },
      [=](outcome_atom, uint64_t id, command_outcome& o) {
        auto& st = self->state;
        auto i = st.commands.find(id);
        if (i == st.commands.end() || i->second.actor.address() != self->current_sender())
          return; // a previous incarnation of a restarted command: ignore
        o.attempts += i->second.attempts_before;
        finalize(self, id, std::move(o));
      },
      [=](reply_atom, const gateway_reply& r) {
        auto& st = self->state;
        auto& m = *st.ctx->metrics;
        const entry* e = nullptr;
        if (r.command_id != 0) {
          auto i = st.commands.find(r.command_id);
          if (i == st.commands.end()) {
            m.replies_late.inc();
            return;
          }
          e = &i->second;
          if (e->cmd.esl != r.esl) {
            m.replies_esl_mismatch.inc();
            return;
          }
        } else {
          auto q = st.queues.find(r.esl);
          if (q == st.queues.end() || q->second.empty()) {
            m.replies_unknown.inc();
            return;
          }
          e = &st.commands.at(q->second.front());
        }
        if (!e->actor) {
          m.replies_late.inc(); // between a crash and its restart
          return;
        }
        m.replies_delivered.inc();
        self->send(e->actor, reply_atom_v, r);
      },
      [=](timer_atom, const timer_request& t) {
        auto& st = self->state;
        auto i = st.commands.find(t.command_id);
        if (i == st.commands.end() || i->second.actor.address() != self->current_sender())
          return; // a previous incarnation's
        auto& e = i->second;
        e.attempts = t.attempts;
        e.has_gw = t.has_gw;
        e.gw = t.gw;
        st.timers.push({t.due_us, t.command_id, t.kind, t.seq});
        schedule_tick(self, t.due_us);
      },
      [=](caf::tick_atom) {
        auto& st = self->state;
        auto now = steady_now_us();
        if (st.next_tick_us <= now)
          st.next_tick_us = INT64_MAX;
        st.timers.pop_due(now, [&](const timer_entry& e) {
          auto i = st.commands.find(e.command_id);
          if (i != st.commands.end() && i->second.actor)
            self->send(i->second.actor, timer_atom_v, e.kind, e.seq);
        });
        if (!st.timers.empty())
          schedule_tick(self, st.timers.next_due_us());
      },
      [=](shutdown_atom) {
        auto& st = self->state;
        st.shutting_down = true;
        std::vector<uint64_t> ids;
        ids.reserve(st.commands.size());
        for (auto& [id, e] : st.commands) {
          ids.push_back(id);
          if (e.actor)
            self->send_exit(e.actor, caf::exit_reason::user_shutdown);
        }
        for (auto id : ids)
          finalize(self, id,
                   ended(st.commands.at(id), outcome_status::failed, outcome_reason::shutdown));
        return static_cast<uint64_t>(ids.size());
      },
  };
}

} // namespace shelfwire
