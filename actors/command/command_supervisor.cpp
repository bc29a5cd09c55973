#include "actors/command/command_supervisor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/command/command_actor.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire {

namespace {

using self_ptr = shard_handle::stateful_pointer<command_supervisor_state>;

/// Carries out the core's decisions on CAF.
class actor_port final : public shard_port {
public:
  explicit actor_port(self_ptr self)
      : self_(self) {}

  void run(uint64_t id, const shard_entry& e) override {
    auto& st = self_->state;
    auto& h = st.commands.at(id);
    h.actor =
        self_->spawn<caf::monitored>(command_actor, st.ctx, caf::actor_cast<shard_handle>(self_),
                                     id, e.cmd, e.accepted_us, e.restarts);
    st.by_actor.emplace(h.actor.address(), id);
    if (e.restarts == 0)
      st.ctx->metrics->commands_started.inc();
    st.ctx->metrics->commands_in_flight.add(1);
  }

  void finish(uint64_t id, const shard_entry& e, command_outcome o) override {
    auto& st = self_->state;
    auto& m = *st.ctx->metrics;
    auto i = st.commands.find(id);
    command_report rep;
    rep.esl = e.cmd.esl;
    rep.latency_us = steady_now_us() - e.accepted_us;
    m.outcome(o.status).inc();
    m.latency_end_to_end_us.record(static_cast<uint64_t>(std::max<int64_t>(rep.latency_us, 0)));
    if (o.backbone_us >= 0)
      m.latency_backbone_us.record(static_cast<uint64_t>(o.backbone_us));
    m.commands_pending.add(-1);
    rep.outcome = std::move(o);
    self_->send(i->second.reply_to, outcome_atom_v, e.index, std::move(rep));
    if (auto& a = i->second.actor) {
      self_->send(a, done_atom_v); // release it: its outcome is recorded
      st.by_actor.erase(a.address());
      m.commands_in_flight.add(-1);
    }
    st.commands.erase(i);
  }

  void released(esl_mac esl) override {
    auto& st = self_->state;
    auto w = st.handoff_waiters.find(esl);
    if (w == st.handoff_waiters.end())
      return;
    for (auto& rp : w->second)
      rp.deliver(true);
    st.handoff_waiters.erase(w);
  }

  void fire(uint64_t id, uint8_t kind, uint32_t seq) override {
    auto& h = self_->state.commands.at(id);
    self_->send(h.actor, timer_atom_v, kind, seq);
  }

private:
  self_ptr self_;
};

shard_limits limits_of(const node_options& opts) {
  shard_limits l;
  auto& o = opts.commands;
  if (o.max_running > 0) {
    // commands.max-running spread over the shards.
    auto shards = static_cast<size_t>(std::max(o.supervisors, 1));
    l.max_running = (static_cast<size_t>(o.max_running) + shards - 1) / shards;
  }
  l.max_restarts = o.max_restarts;
  l.timer_resolution_us = int64_t{o.timer_resolution_ms} * 1000;
  return l;
}

/// The member that may still hold commands for `esl`, if ownership moved
/// here recently (within the handoff timeout) and it is alive: after this
/// node joined (or came back), the owner among the members that were up
/// before it; after another change, the owner under the previous view.
const cluster_member* recent_previous_owner(const node_context& ctx, const cluster_view& view,
                                            esl_mac esl, int64_t now_us) {
  auto window_us = ctx.opts.cluster.handoff_timeout_ms * 1000;
  if (view.previous.empty() || now_us - view.changed_us >= window_us)
    return nullptr;
  auto me = view.self();
  if (me == nullptr)
    return nullptr;
  const cluster_member* prev = nullptr;
  if (wall_now_ms() - me->up_since_ms < ctx.opts.cluster.handoff_timeout_ms)
    prev = view.owner_before(*me, esl);
  if (prev == nullptr)
    prev = view.previous_owner(esl);
  if (prev == nullptr || prev->incarnation == ctx.id.incarnation)
    return nullptr;
  return prev;
}

/// A previous owner's shard to ask before an ESL's first command starts.
struct handoff_ask {
  shard_handle shard;
  std::string from; ///< for the log
};

/// Whom an ESL's first command waits for: the previous owner by this node's
/// view and the one the sender's view names (they differ while views
/// converge after a join).
std::vector<handoff_ask> handoff_asks(const node_context& ctx, const cluster_view& view,
                                      esl_mac esl, const caf::actor& hint, int64_t now_us) {
  std::vector<handoff_ask> ask;
  if (auto prev = recent_previous_owner(ctx, view, esl, now_us))
    ask.push_back({prev->shard_of(esl), prev->name});
  auto hinted = caf::actor_cast<shard_handle>(hint);
  // A hint to a node this view no longer has is dropped: a question to a
  // dead node's shard would wait for the handoff timeout.
  bool member = std::any_of(view.members.begin(), view.members.end(), [&](const cluster_member& m) {
    return hinted && m.node() == hinted.node();
  });
  if (hinted && member && hinted.node() != ctx.local_node &&
      std::none_of(ask.begin(), ask.end(), [&](auto& a) { return a.shard == hinted; }))
    ask.push_back({hinted, "(named by the sender)"});
  return ask;
}

/// The question to `shard` about `esl` got its answer (a reply, an error, or
/// the shard went down): counts once, whichever comes first. False if it
/// had been answered already.
bool handoff_answer(self_ptr self, const caf::actor_addr& shard, esl_mac esl) {
  auto& st = self->state;
  auto i = st.handoff_asked.find(shard);
  if (i == st.handoff_asked.end())
    return false;
  auto& esls = i->second;
  auto j = std::find(esls.begin(), esls.end(), esl);
  if (j == esls.end())
    return false;
  esls.erase(j);
  if (esls.empty()) {
    self->demonitor(shard);
    st.handoff_asked.erase(i);
  }
  st.core->handoff_answered(esl);
  return true;
}

/// A previous owner's shard we asked went down: every question to it is answered.
bool handoff_shard_down(self_ptr self, const caf::actor_addr& shard) {
  auto& st = self->state;
  auto i = st.handoff_asked.find(shard);
  if (i == st.handoff_asked.end())
    return false;
  auto esls = std::move(i->second);
  st.handoff_asked.erase(i);
  for (auto esl : esls)
    st.core->handoff_answered(esl);
  return true;
}

void ask_previous_owners(self_ptr self, const cluster_view& view, esl_mac esl,
                         std::vector<handoff_ask> asks, int64_t now_us) {
  auto& ctx = *self->state.ctx;
  ctx.metrics->cluster_handoffs.inc();
  auto window_us = ctx.opts.cluster.handoff_timeout_ms * 1000;
  auto left_us = std::max<int64_t>(view.changed_us + window_us - now_us, 1);
  if (left_us > window_us || left_us < 1000)
    left_us = window_us; // a hint after the window: give it the full timeout
  for (auto& [shard, from] : asks) {
    auto addr = shard.address();
    auto& asked = self->state.handoff_asked[addr];
    if (asked.empty())
      self->monitor(shard);
    asked.push_back(esl);
    self->request(shard, std::chrono::microseconds{left_us}, handoff_atom_v, esl)
        .then([=](bool) { handoff_answer(self, addr, esl); },
              [=, from = from](caf::error& e) {
                // Gone or timed out: nothing to wait for.
                if (handoff_answer(self, addr, esl) && e == caf::sec::request_timeout) {
                  self->state.ctx->metrics->cluster_handoff_timeouts.inc();
                  log::get("command")->warn("ESL {}: previous owner {} still busy after the "
                                            "handoff timeout: starting anyway",
                                            esl.to_string(), from);
                }
              });
  }
}

void submit(self_ptr self, uint32_t index, command_spec& cmd, const caf::actor& hint) {
  auto& st = self->state;
  auto& m = *st.ctx->metrics;
  auto now = steady_now_us();
  auto esl = cmd.esl;
  m.commands_accepted.inc();
  m.commands_pending.add(1);
  std::vector<handoff_ask> asks;
  cluster_view_ptr view;
  if (!st.core->holds(esl) && !st.core->shutting_down()) {
    view = st.ctx->cluster.get();
    asks = handoff_asks(*st.ctx, *view, esl, hint, now);
  }
  // Its CAF side first: the core may run or finish the command at once.
  auto id = st.core->mint_id();
  st.commands[id].reply_to = caf::actor_cast<outcome_listener_handle>(self->current_sender());
  auto a = st.core->submit(id, index, std::move(cmd), now, static_cast<int>(asks.size()));
  if (a.queued)
    m.commands_queued_behind_esl.inc();
  if (a.awaiting_handoff)
    ask_previous_owners(self, *view, esl, std::move(asks), now);
}

void command_down(self_ptr self, caf::down_msg& dm) {
  auto& st = self->state;
  if (handoff_shard_down(self, dm.source))
    return;
  auto i = st.by_actor.find(dm.source);
  if (i == st.by_actor.end())
    return; // ended normally after reporting its outcome
  auto id = i->second;
  st.by_actor.erase(i);
  st.ctx->metrics->commands_in_flight.add(-1);
  auto h = st.commands.find(id);
  auto* e = st.core->find(id);
  if (h == st.commands.end() || e == nullptr)
    return; // cannot happen: finish() forgets the actor with the command
  h->second.actor = command_handle{};
  auto esl = e->cmd.esl.to_string();
  auto restarts = e->restarts;
  auto why = self->system().render(dm.reason);
  auto lg = log::get("command");
  switch (st.core->crashed(id)) {
  case shard_core::crash_result::restarted:
    st.ctx->metrics->commands_restarts.inc();
    lg->warn("command {} for ESL {} stopped ({}): restart {}/{}", id, esl, why, restarts + 1,
             st.ctx->opts.commands.max_restarts);
    break;
  case shard_core::crash_result::ended:
    lg->error("command {} for ESL {} stopped ({}): restart budget spent, ending failed", id, esl,
              why);
    break;
  case shard_core::crash_result::unknown:
    break;
  }
}

/// A gateway reply: to its command's actor, or on to the ESL's previous
/// owner (legacy reply for an ESL this shard holds nothing for).
void route_reply(self_ptr self, gateway_reply& r) {
  auto& st = self->state;
  auto& m = *st.ctx->metrics;
  if (r.forwarded_us > 0) {
    auto hop = steady_now_us() - r.forwarded_us;
    if (hop >= 0 && hop < 60'000'000) // same host: one steady clock
      m.cluster_hop_us.record(static_cast<uint64_t>(hop));
  }
  using kind = shard_core::reply_route::kind;
  auto to = st.core->route_reply(r.command_id, r.esl);
  switch (to.what) {
  case kind::deliver:
    m.replies_delivered.inc();
    self->send(st.commands.at(to.id).actor, reply_atom_v, std::move(r));
    return;
  case kind::late:
    m.replies_late.inc();
    return;
  case kind::esl_mismatch:
    m.replies_esl_mismatch.inc();
    return;
  case kind::not_held:
    break;
  }
  // Ownership moved recently: the command may be the previous owner's.
  auto view = st.ctx->cluster.get();
  auto prev = r.hops < 2 ? recent_previous_owner(*st.ctx, *view, r.esl, steady_now_us()) : nullptr;
  if (prev == nullptr) {
    m.replies_unknown.inc();
    return;
  }
  m.replies_forwarded_legacy.inc();
  r.hops += 1;
  r.forwarded_us = steady_now_us();
  self->send(prev->shard_of(r.esl), reply_atom_v, std::move(r));
}

void schedule_tick(self_ptr self, std::optional<int64_t> at_us) {
  if (!at_us)
    return;
  auto delay = std::max<int64_t>(*at_us - steady_now_us(), 0);
  self->delayed_send(self, std::chrono::microseconds{delay}, caf::tick_atom_v);
}

/// A job's coordinator died or left and another took the job over: the
/// commands submitted by the old one report to the new one. Returns their
/// indices, so that the new one sends only the others again.
std::vector<uint32_t> rebind(self_ptr self, uint64_t old_id, const caf::node_id& old_node,
                             const caf::actor& fresh) {
  auto& st = self->state;
  std::vector<uint32_t> held;
  if (!fresh)
    return held;
  auto to = caf::actor_cast<outcome_listener_handle>(fresh);
  for (auto& [id, h] : st.commands) {
    auto from = h.reply_to.address();
    if (from.id() != old_id || from.node() != old_node)
      continue;
    h.reply_to = to;
    if (auto* e = st.core->find(id))
      held.push_back(e->index);
  }
  return held;
}

/// The sender's job passed its abort threshold: its commands here that have
/// not started end `aborted` (reported to it as every outcome is).
void abort_commands_of(self_ptr self, const caf::strong_actor_ptr& sender) {
  auto& st = self->state;
  auto from = caf::actor_cast<caf::actor_addr>(sender);
  if (!from)
    return;
  auto n = st.core->abort_waiting([&](uint64_t id, const shard_entry&) {
    auto h = st.commands.find(id);
    return h != st.commands.end() && h->second.reply_to.address() == from;
  });
  if (n > 0)
    log::get("command")->info("{} waiting commands of an aborted job ended aborted", n);
}

/// The sender is the command's current actor (not a crashed incarnation).
bool from_current(self_ptr self, uint64_t id) {
  auto i = self->state.commands.find(id);
  return i != self->state.commands.end() && i->second.actor &&
         i->second.actor.address() == self->current_sender();
}

uint64_t shutdown(self_ptr self, bool hand_back) {
  auto& st = self->state;
  for (auto id : st.core->running_ids())
    self->send_exit(st.commands.at(id).actor, caf::exit_reason::user_shutdown);
  auto n = st.core->shutdown(hand_back ? outcome_reason::moved : outcome_reason::shutdown);
  for (auto& [esl, waiting] : st.handoff_waiters)
    for (auto& rp : waiting)
      rp.deliver(true);
  st.handoff_waiters.clear();
  return n;
}

std::vector<named_value> phase_counts(const shard_core& core) {
  auto counts = core.count_by_phase();
  std::vector<named_value> out;
  for (size_t i = 0; i < command_phase_count; ++i)
    out.push_back({command_phase_names[i], counts[i]});
  return out;
}

} // namespace

shard_handle::behavior_type command_supervisor(self_ptr self, node_context_ptr ctx,
                                               uint64_t shard_index) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.port = std::make_unique<actor_port>(self);
  st.core = std::make_unique<shard_core>(shard_index, limits_of(st.ctx->opts), *st.port);
  self->set_down_handler([=](caf::down_msg& dm) { command_down(self, dm); });
  return {
      [=](submit_atom, uint32_t index, command_spec& cmd, const caf::actor& hint) {
        submit(self, index, cmd, hint);
      },
      [=](outcome_atom, uint64_t id, command_outcome& o) {
        if (from_current(self, id)) // else a previous incarnation of a restarted command
          self->state.core->complete(id, std::move(o));
      },
      [=](reply_atom, gateway_reply& r) { route_reply(self, r); },
      [=](timer_atom, const timer_request& t) {
        if (!from_current(self, t.command_id))
          return; // a previous incarnation's
        command_progress p{t.kind, t.seq, t.due_us, t.attempts, t.has_gw, t.gw};
        schedule_tick(self, self->state.core->progress(t.command_id, p));
      },
      [=](caf::tick_atom) { schedule_tick(self, self->state.core->tick(steady_now_us())); },
      [=](handoff_atom, esl_mac esl) -> caf::result<bool> {
        auto& st = self->state;
        if (!st.core->holds(esl))
          return true;
        auto rp = self->make_response_promise<bool>();
        st.handoff_waiters[esl].push_back(rp);
        return rp;
      },
      [=](rebind_atom, uint64_t old_id, const caf::node_id& old_node, const caf::actor& fresh) {
        return rebind(self, old_id, old_node, fresh);
      },
      [=](abort_atom) { abort_commands_of(self, self->current_sender()); },
      [=](shutdown_atom) { return shutdown(self, false); },
      [=](shutdown_atom, bool hand_back) { return shutdown(self, hand_back); },
      [=](inspect_atom) { return phase_counts(*self->state.core); },
      [=](inspect_atom, const command_query& q) {
        return self->state.core->list(q, steady_now_us());
      },
  };
}

} // namespace shelfwire
