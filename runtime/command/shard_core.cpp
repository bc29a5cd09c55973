#include "runtime/command/shard_core.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "runtime/command/command_fsm.hpp"

namespace shelfwire {

shard_core::shard_core(uint64_t shard_index, shard_limits limits, shard_port& port)
    : shard_index_(shard_index)
    , limits_(limits)
    , port_(port) {
  limits_.max_running = std::max<size_t>(limits_.max_running, 1);
  limits_.timer_resolution_us = std::max<int64_t>(limits_.timer_resolution_us, 1);
}

command_outcome shard_core::ended(const shard_entry& e, outcome_status s, std::string_view reason) {
  command_outcome o;
  o.status = s;
  o.reason = std::string{reason};
  o.attempts = e.attempts_before + e.attempts;
  o.has_gw = e.has_gw;
  o.gw = e.gw;
  return o;
}

const shard_entry* shard_core::find(uint64_t id) const {
  auto i = commands_.find(id);
  return i == commands_.end() ? nullptr : &i->second;
}

std::vector<uint64_t> shard_core::running_ids() const {
  std::vector<uint64_t> ids;
  for (auto& [id, e] : commands_)
    if (e.running)
      ids.push_back(id);
  return ids;
}

// -- lifecycle of a command ------------------------------------------------------

shard_core::accepted shard_core::submit(uint64_t id, uint32_t index, command_spec cmd,
                                        int64_t now_us, int handoff_answers) {
  accepted a;
  a.id = id;
  auto esl = cmd.esl;
  auto op = cmd.op;
  shard_entry e;
  e.index = index;
  e.cmd = std::move(cmd);
  e.accepted_us = now_us;
  auto& entry = commands_.emplace(a.id, std::move(e)).first->second;
  if (shutting_down_) {
    finalize(a.id, ended(entry, outcome_status::failed, shutdown_reason_));
    return a;
  }
  supersede_waiting(esl, op);
  auto& q = queues_[esl];
  q.push_back(a.id);
  if (q.size() > 1) {
    a.queued = true;
    return a;
  }
  if (handoff_answers > 0) {
    awaiting_handoff_[esl] = handoff_answers;
    a.awaiting_handoff = true;
    return a;
  }
  start(a.id);
  return a;
}

/// A waiting command (not the one in flight) with the same op is replaced:
/// the ESL only needs the newest price, image or page.
void shard_core::supersede_waiting(esl_mac esl, wire::op_kind op) {
  auto q = queues_.find(esl);
  if (q == queues_.end() || q->second.size() < 2)
    return;
  std::vector<uint64_t> replaced;
  for (size_t k = 1; k < q->second.size(); ++k)
    if (commands_.at(q->second[k]).cmd.op == op)
      replaced.push_back(q->second[k]);
  for (auto old : replaced)
    finalize(old, ended(commands_.at(old), outcome_status::superseded, outcome_reason::superseded));
}

void shard_core::start(uint64_t id) {
  auto i = commands_.find(id);
  if (i == commands_.end() || shutting_down_ || i->second.running)
    return;
  if (running_ >= limits_.max_running) {
    // Starts when a running command ends, after those of its priority that wait already.
    ready_[static_cast<size_t>(i->second.cmd.prio)].push_back(id);
    return;
  }
  i->second.running = true;
  ++running_;
  port_.run(id, i->second);
}

/// A running command ended: start the waiting commands, most urgent
/// priority first, oldest first within one.
void shard_core::start_ready() {
  for (auto& fifo : ready_)
    while (!fifo.empty() && running_ < limits_.max_running) {
      auto id = fifo.front();
      fifo.pop_front();
      start(id);
    }
}

void shard_core::handoff_answered(esl_mac esl) {
  auto w = awaiting_handoff_.find(esl);
  if (w != awaiting_handoff_.end() && --w->second > 0)
    return; // another previous owner still to answer
  awaiting_handoff_.erase(esl);
  auto q = queues_.find(esl);
  if (q == queues_.end() || q->second.empty())
    return;
  start(q->second.front());
}

void shard_core::complete(uint64_t id, command_outcome o) {
  auto i = commands_.find(id);
  if (i == commands_.end())
    return;
  o.attempts += i->second.attempts_before;
  finalize(id, std::move(o));
}

shard_core::crash_result shard_core::crashed(uint64_t id) {
  auto i = commands_.find(id);
  if (i == commands_.end() || !i->second.running)
    return crash_result::unknown;
  auto& e = i->second;
  e.running = false;
  --running_;
  // The next incarnation starts counting again: keep what this one sent.
  e.attempts_before += e.attempts;
  e.attempts = 0;
  e.timer_kind = shard_entry::no_timer;
  if (e.restarts < limits_.max_restarts) { // (after shutdown() no command runs)
    ++e.restarts;
    e.running = true; // a restart takes its slot back, whatever the cap
    ++running_;
    port_.run(id, e);
    return crash_result::restarted;
  }
  finalize(id, ended(e, outcome_status::failed, outcome_reason::crashed));
  return crash_result::ended;
}

/// Reports `o` for command `id`, forgets it, and starts the next command of
/// its ESL (and, with a running slot free, the oldest command waiting for
/// one). The only place outcomes leave the shard: exactly once per command.
void shard_core::finalize(uint64_t id, command_outcome o) {
  finalize_one(id, std::move(o));
  start_ready();
}

void shard_core::finalize_one(uint64_t id, command_outcome o) {
  auto i = commands_.find(id);
  if (i == commands_.end())
    return;
  port_.finish(id, i->second, std::move(o));
  if (i->second.running)
    --running_;
  auto esl = i->second.cmd.esl;
  commands_.erase(i);
  auto q = queues_.find(esl);
  if (q == queues_.end())
    return;
  auto& dq = q->second;
  bool was_front = !dq.empty() && dq.front() == id;
  dq.erase(std::remove(dq.begin(), dq.end(), id), dq.end());
  if (dq.empty()) {
    queues_.erase(q);
    port_.released(esl);
    return;
  }
  if (was_front && awaiting_handoff_.count(esl) == 0)
    start(dq.front());
}

size_t shard_core::abort_waiting(const std::function<bool(uint64_t, const shard_entry&)>& select) {
  std::vector<uint64_t> ids;
  for (auto& [id, e] : commands_)
    if (!e.running && select(id, e))
      ids.push_back(id);
  // Oldest first: an ESL's later commands end before its first one would
  // start the next (finalize_one starts the ESL's next command).
  std::sort(ids.begin(), ids.end(), std::greater<>{});
  size_t n = 0;
  for (auto id : ids) {
    auto* e = find(id);
    if (e == nullptr || e->running)
      continue; // ended or started meanwhile
    finalize_one(id, ended(*e, outcome_status::aborted, outcome_reason::abort_threshold));
    ++n;
  }
  start_ready();
  return n;
}

size_t shard_core::shutdown(std::string_view reason) {
  shutting_down_ = true;
  shutdown_reason_ = reason;
  std::vector<uint64_t> ids;
  ids.reserve(commands_.size());
  for (auto& [id, e] : commands_)
    ids.push_back(id);
  for (auto id : ids)
    if (auto e = find(id))
      finalize(id, ended(*e, outcome_status::failed, reason));
  for (auto& fifo : ready_)
    fifo.clear();
  return ids.size();
}

// -- timers -------------------------------------------------------------------------

std::optional<int64_t> shard_core::progress(uint64_t id, const command_progress& p) {
  auto i = commands_.find(id);
  if (i == commands_.end() || !i->second.running)
    return std::nullopt;
  auto& e = i->second;
  e.attempts = p.attempts;
  e.has_gw = p.has_gw;
  e.gw = p.gw;
  e.timer_kind = p.timer_kind;
  timers_.push({p.due_us, id, p.timer_kind, p.seq});
  return want_tick(p.due_us);
}

std::optional<int64_t> shard_core::want_tick(int64_t due_us) {
  auto at = timer_queue::tick_for(due_us, limits_.timer_resolution_us);
  if (at >= next_tick_us_)
    return std::nullopt; // an earlier tick will see it
  next_tick_us_ = at;
  return at;
}

std::optional<int64_t> shard_core::tick(int64_t now_us) {
  if (next_tick_us_ <= now_us)
    next_tick_us_ = INT64_MAX;
  timers_.pop_due(now_us, [&](const timer_entry& t) {
    auto i = commands_.find(t.command_id);
    if (i != commands_.end() && i->second.running)
      port_.fire(t.command_id, t.kind, t.seq);
  });
  if (timers_.empty())
    return std::nullopt;
  return want_tick(timers_.next_due_us());
}

// -- replies ------------------------------------------------------------------------

shard_core::reply_route shard_core::route_reply(uint64_t command_id, esl_mac esl) const {
  using kind = reply_route::kind;
  reply_route r;
  const shard_entry* e = nullptr;
  if (command_id != 0) {
    e = find(command_id);
    if (e == nullptr)
      return {kind::late, command_id};
    if (e->cmd.esl != esl)
      return {kind::esl_mismatch, command_id};
    r.id = command_id;
  } else {
    auto q = queues_.find(esl);
    if (q == queues_.end() || q->second.empty() || awaiting_handoff_.count(esl) != 0)
      return {kind::not_held, 0}; // the command may be the previous owner's
    r.id = q->second.front();
    e = find(r.id);
  }
  r.what = e->running ? kind::deliver : kind::late; // late: between a crash and its restart
  return r;
}

// -- inspection ---------------------------------------------------------------------

command_phase shard_core::phase_of(uint64_t id, const shard_entry& e) const {
  if (e.running) {
    switch (e.timer_kind) {
    case static_cast<uint8_t>(command_step::timer_kind::attempt):
      return command_phase::awaiting_reply;
    case static_cast<uint8_t>(command_step::timer_kind::backoff):
      return command_phase::backing_off;
    case static_cast<uint8_t>(command_step::timer_kind::routing):
      return command_phase::awaiting_route;
    case static_cast<uint8_t>(command_step::timer_kind::window):
      return command_phase::awaiting_window;
    default:
      return command_phase::dispatching;
    }
  }
  auto q = queues_.find(e.cmd.esl);
  if (q == queues_.end() || q->second.empty() || q->second.front() != id)
    return command_phase::queued;
  return awaiting_handoff_.count(e.cmd.esl) ? command_phase::handoff : command_phase::ready;
}

std::array<int64_t, command_phase_count> shard_core::count_by_phase() const {
  std::array<int64_t, command_phase_count> counts{};
  for (auto& [id, e] : commands_)
    ++counts[static_cast<size_t>(phase_of(id, e))];
  return counts;
}

command_list shard_core::list(const command_query& q, int64_t now_us) const {
  std::vector<std::pair<int64_t, command_row>> hits;
  command_list out;
  for (auto& [id, e] : commands_) {
    if (q.has_esl && e.cmd.esl != q.esl)
      continue;
    auto phase = to_string(phase_of(id, e));
    if (!q.state.empty() && q.state != phase)
      continue;
    ++out.matching;
    command_row r;
    r.id = id;
    r.esl = e.cmd.esl;
    r.op = std::string{wire::to_string(e.cmd.op)};
    r.priority = std::string{to_string(e.cmd.prio)};
    r.state = phase;
    r.age_ms = (now_us - e.accepted_us) / 1000;
    r.attempts = e.attempts_before + e.attempts;
    r.has_gw = e.has_gw;
    r.gw = e.gw;
    r.shard = static_cast<uint32_t>(shard_index_);
    hits.emplace_back(e.accepted_us, std::move(r));
  }
  auto keep = std::min<size_t>(hits.size(), q.limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(keep), hits.end(),
                    [](auto& a, auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < keep; ++i)
    out.rows.push_back(std::move(hits[i].second));
  return out;
}

} // namespace shelfwire
