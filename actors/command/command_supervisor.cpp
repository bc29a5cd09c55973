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

/// The most command actors this shard runs at once (commands.max-running
/// spread over the shards); 0 = no limit.
size_t running_cap(self_ptr self) {
  auto& o = self->state.ctx->opts.commands;
  if (o.max_running <= 0)
    return SIZE_MAX;
  auto shards = static_cast<size_t>(std::max(o.supervisors, 1));
  return (static_cast<size_t>(o.max_running) + shards - 1) / shards;
}

void start(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.commands.find(id);
  if (i == st.commands.end() || st.shutting_down || i->second.actor)
    return;
  if (st.by_actor.size() >= running_cap(self)) {
    st.ready.push_back(id); // starts when a running command ends
    return;
  }
  st.ctx->metrics->commands_started.inc();
  spawn_actor(self, id, i->second);
}

/// A command actor ended: start the oldest command waiting for a slot.
void start_ready(self_ptr self) {
  auto& st = self->state;
  while (!st.ready.empty() && st.by_actor.size() < running_cap(self)) {
    auto id = st.ready.front();
    st.ready.pop_front();
    start(self, id);
  }
}

void release_handoffs(self_ptr self, esl_mac esl);

void finalize_one(self_ptr self, uint64_t id, command_outcome o);

/// Reports `o` for command `id`, forgets it, and starts the next command of
/// its ESL (and, with a running slot free, the oldest command waiting for
/// one). The only place outcomes leave the shard: exactly once per command.
void finalize(self_ptr self, uint64_t id, command_outcome o) {
  finalize_one(self, id, std::move(o));
  start_ready(self);
}

void finalize_one(self_ptr self, uint64_t id, command_outcome o) {
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
    release_handoffs(self, esl);
    return;
  }
  if (was_front && st.awaiting_handoff.count(esl) == 0)
    start(self, dq.front());
}

/// The previous owner's answer (or its absence): the ESL's first command may start.
void handoff_done(self_ptr self, esl_mac esl) {
  auto& st = self->state;
  auto w = st.awaiting_handoff.find(esl);
  if (w != st.awaiting_handoff.end() && --w->second > 0)
    return; // another previous owner still to answer
  st.awaiting_handoff.erase(esl);
  auto q = st.queues.find(esl);
  if (q == st.queues.end() || q->second.empty())
    return;
  auto id = q->second.front();
  if (!st.commands.at(id).actor)
    start(self, id);
}

/// The member that may still hold commands for `esl`, if ownership moved
/// here recently (within the handoff timeout) and it is alive: after this
/// node joined (or came back), the owner among the members that were up
/// before it; after another change, the owner under the previous view.
const cluster_member* recent_previous_owner(self_ptr self, const cluster_view& view, esl_mac esl,
                                            int64_t now_us) {
  auto& st = self->state;
  auto window_us = st.ctx->opts.cluster.handoff_timeout_ms * 1000;
  if (view.previous.empty() || now_us - view.changed_us >= window_us)
    return nullptr;
  auto me = view.self();
  if (me == nullptr)
    return nullptr;
  const cluster_member* prev = nullptr;
  if (wall_now_ms() - me->up_since_ms < st.ctx->opts.cluster.handoff_timeout_ms)
    prev = view.owner_before(*me, esl);
  if (prev == nullptr)
    prev = view.previous_owner(esl);
  if (prev == nullptr || prev->incarnation == st.ctx->id.incarnation)
    return nullptr;
  return prev;
}

/// Starts the first command of an ESL's queue, after a handoff if the ESL
/// was owned by another member until recently.
void begin(self_ptr self, esl_mac esl, uint64_t id, const caf::actor& hint) {
  auto& st = self->state;
  auto view = st.ctx->cluster.get();
  auto now = steady_now_us();
  // Whom to wait for: the previous owner by this node's view and the one the
  // sender's view names (they differ while views converge after a join).
  std::vector<std::pair<caf::actor, std::string>> ask;
  if (auto prev = recent_previous_owner(self, *view, esl, now))
    ask.emplace_back(prev->shard_of(esl), prev->name);
  if (hint && hint.node() != st.ctx->local_node &&
      std::none_of(ask.begin(), ask.end(), [&](auto& a) { return a.first == hint; }))
    ask.emplace_back(hint, "(named by the sender)");
  if (ask.empty()) {
    start(self, id);
    return;
  }
  st.awaiting_handoff[esl] = static_cast<int>(ask.size());
  st.ctx->metrics->cluster_handoffs.inc();
  auto window_us = st.ctx->opts.cluster.handoff_timeout_ms * 1000;
  auto left_us = std::max<int64_t>(view->changed_us + window_us - now, 1);
  if (left_us > window_us || left_us < 1000)
    left_us = window_us; // a hint after the window: give it the full timeout
  for (auto& [shard, from] : ask)
    self->request(shard, std::chrono::microseconds{std::max<int64_t>(left_us, 1)}, handoff_atom_v,
                  esl)
        .then([=](bool) { handoff_done(self, esl); },
              [=, from = from](caf::error& e) {
                if (e == caf::sec::request_timeout) {
                  self->state.ctx->metrics->cluster_handoff_timeouts.inc();
                  log::get("command")->warn("ESL {}: previous owner {} still busy after the "
                                            "handoff timeout: starting anyway",
                                            esl.to_string(), from);
                }
                handoff_done(self, esl); // gone or timed out: nothing to wait for
              });
}

void release_handoffs(self_ptr self, esl_mac esl) {
  auto& st = self->state;
  auto w = st.handoff_waiters.find(esl);
  if (w == st.handoff_waiters.end())
    return;
  for (auto& rp : w->second)
    rp.deliver(true);
  st.handoff_waiters.erase(w);
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

command_phase phase_of(const command_supervisor_state& st, uint64_t id, const entry& e) {
  if (e.actor) {
    switch (static_cast<command_step::timer_kind>(e.timer_kind)) {
    case command_step::timer_kind::attempt:
      return command_phase::awaiting_reply;
    case command_step::timer_kind::backoff:
      return command_phase::backing_off;
    case command_step::timer_kind::routing:
      return command_phase::awaiting_route;
    }
    return command_phase::dispatching;
  }
  auto q = st.queues.find(e.cmd.esl);
  if (q == st.queues.end() || q->second.empty() || q->second.front() != id)
    return command_phase::queued;
  return st.awaiting_handoff.count(e.cmd.esl) ? command_phase::handoff : command_phase::ready;
}

const char* phase_name(command_phase p) {
  return command_phase_names[static_cast<size_t>(p)];
}

command_list list_commands(const command_supervisor_state& st, const command_query& q) {
  auto now = steady_now_us();
  std::vector<std::pair<int64_t, command_row>> hits;
  command_list out;
  for (auto& [id, e] : st.commands) {
    if (q.has_esl && e.cmd.esl != q.esl)
      continue;
    auto phase = phase_name(phase_of(st, id, e));
    if (!q.state.empty() && q.state != phase)
      continue;
    ++out.matching;
    command_row r;
    r.id = id;
    r.esl = e.cmd.esl;
    r.op = std::string{wire::to_string(e.cmd.op)};
    r.state = phase;
    r.age_ms = (now - e.accepted_us) / 1000;
    r.attempts = e.attempts_before + e.attempts;
    r.has_gw = e.has_gw;
    r.gw = e.gw;
    r.shard = static_cast<uint32_t>(st.shard_index);
    hits.emplace_back(e.accepted_us, std::move(r));
  }
  auto keep = std::min<size_t>(hits.size(), q.limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(keep), hits.end(),
                    [](auto& a, auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < keep; ++i)
    out.rows.push_back(std::move(hits[i].second));
  return out;
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
    e.timer_kind = 0xff;
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
      [=](submit_atom, uint32_t index, command_spec& cmd, const caf::actor& hint) {
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
          begin(self, esl, id, hint);
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
      [=](reply_atom, gateway_reply& r) {
        auto& st = self->state;
        auto& m = *st.ctx->metrics;
        if (r.forwarded_us > 0) {
          auto hop = steady_now_us() - r.forwarded_us;
          if (hop >= 0 && hop < 60'000'000) // same host: one steady clock
            m.cluster_hop_us.record(static_cast<uint64_t>(hop));
        }
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
          bool held =
              q != st.queues.end() && !q->second.empty() && st.awaiting_handoff.count(r.esl) == 0;
          if (!held) {
            // Ownership moved recently: the command may be the previous owner's.
            auto view = st.ctx->cluster.get();
            auto prev =
                r.hops < 2 ? recent_previous_owner(self, *view, r.esl, steady_now_us()) : nullptr;
            if (prev == nullptr) {
              m.replies_unknown.inc();
              return;
            }
            m.replies_forwarded_legacy.inc();
            r.hops += 1;
            r.forwarded_us = steady_now_us();
            self->send(prev->shard_of(r.esl), reply_atom_v, std::move(r));
            return;
          }
          e = &st.commands.at(q->second.front());
        }
        if (!e->actor) {
          m.replies_late.inc(); // between a crash and its restart
          return;
        }
        m.replies_delivered.inc();
        self->send(e->actor, reply_atom_v, std::move(r));
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
        e.timer_kind = t.kind;
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
        std::vector<esl_mac> waiting;
        for (auto& [esl, w] : st.handoff_waiters)
          waiting.push_back(esl);
        for (auto esl : waiting)
          release_handoffs(self, esl);
        return static_cast<uint64_t>(ids.size());
      },
      [=](inspect_atom) {
        auto& st = self->state;
        int64_t counts[command_phase_count] = {};
        for (auto& [id, e] : st.commands)
          ++counts[static_cast<size_t>(phase_of(st, id, e))];
        std::vector<named_value> out;
        for (size_t i = 0; i < command_phase_count; ++i)
          out.push_back({command_phase_names[i], counts[i]});
        return out;
      },
      [=](inspect_atom, const command_query& q) { return list_commands(self->state, q); },
      [=](handoff_atom, esl_mac esl) {
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        if (st.queues.count(esl) == 0)
          rp.deliver(true);
        else
          st.handoff_waiters[esl].push_back(rp);
        return rp;
      },
  };
}

} // namespace shelfwire
