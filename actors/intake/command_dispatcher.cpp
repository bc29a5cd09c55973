#include "actors/intake/command_dispatcher.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire {

std::pair<shard_handle, shard_handle> command_dispatcher::target(const esl_mac& esl) const {
  auto view = ctx_->cluster.get();
  auto owner = view->owner(esl, dead_);
  if (!owner) // nobody eligible (we are leaving alone): keep it here
    return {ctx_->shard_of(esl), shard_handle{}};
  // Right after a membership change, tell the new owner who held the ESL
  // before by this node's view: its own view may not be complete yet.
  shard_handle hint;
  if (!view->previous.empty() &&
      steady_now_us() - view->changed_us < ctx_->opts.cluster.handoff_timeout_ms * 1000)
    if (auto prev = view->previous_owner(esl);
        prev && prev->incarnation != owner->incarnation &&
        std::find(dead_.begin(), dead_.end(), prev->node()) == dead_.end())
      hint = prev->shard_of(esl); // (never a node seen dead: it would not answer)
  return {owner->shard_of(esl), std::move(hint)};
}

void command_dispatcher::send(caf::event_based_actor* self, uint32_t index,
                              const command_spec& cmd) {
  auto& q = esls_[cmd.esl];
  if (stopped_ || !q.held.empty() || (q.in_shard > 0 && q.shard != target(cmd.esl).first)) {
    q.held.emplace_back(index, cmd);
    ++held_;
    ctx_->metrics->jobs_held_back.inc();
    return;
  }
  transmit(self, q, index, cmd);
}

void command_dispatcher::transmit(caf::event_based_actor* self, esl_queue& q, uint32_t index,
                                  command_spec cmd) {
  auto [shard, hint] = target(cmd.esl);
  if (monitored_.insert(shard.address()).second)
    self->monitor(shard);
  q.shard = shard;
  ++q.in_shard;
  self->send(shard, submit_atom_v, index, cmd, caf::actor_cast<caf::actor>(hint));
  where_[index] = sent_command{std::move(shard), std::move(cmd)};
}

void command_dispatcher::adopt(caf::event_based_actor* self, uint32_t index,
                               const command_spec& cmd, shard_handle shard) {
  if (monitored_.insert(shard.address()).second)
    self->monitor(shard);
  auto& q = esls_[cmd.esl];
  q.shard = shard;
  ++q.in_shard;
  where_[index] = sent_command{std::move(shard), cmd};
}

std::vector<uint32_t> command_dispatcher::transmitted() const {
  std::vector<uint32_t> out;
  out.reserve(where_.size());
  for (auto& [index, c] : where_)
    out.push_back(index);
  return out;
}

void command_dispatcher::resume_sending(caf::event_based_actor* self) {
  if (!stopped_)
    return;
  stopped_ = false;
  std::vector<esl_mac> waiting;
  for (auto& [esl, q] : esls_)
    if (!q.held.empty())
      waiting.push_back(esl);
  for (auto& esl : waiting)
    release(self, esl);
}

std::vector<uint32_t> command_dispatcher::drop_held() {
  std::vector<uint32_t> out;
  out.reserve(held_);
  for (auto i = esls_.begin(); i != esls_.end();) {
    for (auto& [index, cmd] : i->second.held)
      out.push_back(index);
    i->second.held.clear();
    i = i->second.in_shard == 0 ? esls_.erase(i) : std::next(i);
  }
  held_ = 0;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<shard_handle> command_dispatcher::shards() const {
  std::vector<shard_handle> out;
  for (auto& [index, c] : where_)
    if (std::find(out.begin(), out.end(), c.shard) == out.end())
      out.push_back(c.shard);
  return out;
}

void command_dispatcher::demonitor_all(caf::event_based_actor* self) {
  for (auto& addr : monitored_)
    self->demonitor(addr);
  monitored_.clear();
}

void command_dispatcher::release(caf::event_based_actor* self, const esl_mac& esl) {
  auto i = esls_.find(esl);
  if (i == esls_.end())
    return;
  auto& q = i->second;
  while (!q.held.empty() && !stopped_) {
    if (q.in_shard > 0 && q.shard != target(esl).first)
      return;
    auto [index, cmd] = std::move(q.held.front());
    q.held.pop_front();
    --held_;
    transmit(self, q, index, std::move(cmd));
  }
  if (q.in_shard == 0 && q.held.empty())
    esls_.erase(i);
}

bool command_dispatcher::take(caf::event_based_actor* self, uint32_t index,
                              const caf::strong_actor_ptr& sender) {
  auto i = where_.find(index);
  if (i == where_.end() || caf::actor_cast<caf::actor_addr>(sender) != i->second.shard.address()) {
    ctx_->metrics->jobs_stale_outcomes.inc();
    return false;
  }
  auto esl = i->second.cmd.esl;
  where_.erase(i);
  if (auto q = esls_.find(esl); q != esls_.end() && q->second.in_shard > 0)
    --q->second.in_shard;
  release(self, esl);
  return true;
}

size_t command_dispatcher::redispatch(caf::event_based_actor* self, const caf::down_msg& dm) {
  if (monitored_.erase(dm.source) == 0)
    return 0;
  auto node = dm.source.node();
  // The link to its node is lost (killed, unreachable): every shard there is
  // gone with what it held. Otherwise only this shard stopped: a member that
  // leaves stops its shards one after another, and the others still run
  // (and report) what they hold.
  bool node_lost =
      node != ctx_->local_node && dm.reason == caf::exit_reason::remote_link_unreachable;
  if (node_lost && std::find(dead_.begin(), dead_.end(), node) == dead_.end())
    dead_.push_back(node);
  std::vector<std::pair<uint32_t, command_spec>> lost;
  for (auto i = where_.begin(); i != where_.end();) {
    bool gone = node_lost ? i->second.shard.node() == node : i->second.shard.address() == dm.source;
    if (gone) {
      lost.emplace_back(i->first, std::move(i->second.cmd));
      i = where_.erase(i);
    } else {
      ++i;
    }
  }
  // Forget the dead node's other shards too: new ones will be monitored anew.
  if (node_lost)
    for (auto i = monitored_.begin(); i != monitored_.end();)
      i = i->node() == node ? monitored_.erase(i) : std::next(i);
  if (lost.empty())
    return 0;
  // Oldest last, so that pushing each to the front of its ESL's queue
  // leaves them oldest first, ahead of what was held back behind them.
  std::sort(lost.begin(), lost.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<esl_mac> touched;
  for (auto& [index, cmd] : lost) {
    auto& q = esls_[cmd.esl];
    if (q.in_shard > 0)
      --q.in_shard; // every outstanding command of an ESL went to one shard
    touched.push_back(cmd.esl);
    q.held.emplace_front(index, std::move(cmd));
    ++held_;
  }
  for (auto& esl : touched)
    release(self, esl);
  ctx_->metrics->jobs_redispatched.inc(lost.size());
  return lost.size();
}

} // namespace shelfwire
