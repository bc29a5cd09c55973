#include "actors/cluster/cluster_view.hpp"

#include <algorithm>

#include "runtime/cluster/ownership.hpp"
#include "runtime/core/hash.hpp"

namespace shelfwire {

size_t shard_index_for(esl_mac esl, size_t shards) {
  return mix64(esl.value()) % shards;
}

const shard_handle& cluster_member::shard_of(esl_mac esl) const {
  return shards[shard_index_for(esl, shards.size())];
}

std::string cluster_member::endpoint() const {
  return host + ":" + std::to_string(port);
}

std::string cluster_view::self_endpoint() const {
  auto me = self();
  return me != nullptr && me->port != 0 ? me->endpoint() : std::string{};
}

namespace {

const cluster_member* pick(const std::vector<cluster_member>& ms, esl_mac esl,
                           const std::vector<caf::node_id>& dead) {
  auto i = cluster::rendezvous_owner(
      esl.value(), ms.size(), [&](size_t k) { return ms[k].name_hash; },
      [&](size_t k) {
        auto& m = ms[k];
        return !m.leaving && !m.shards.empty() &&
               std::find(dead.begin(), dead.end(), m.node()) == dead.end();
      });
  return i ? &ms[*i] : nullptr;
}

} // namespace

const cluster_member* cluster_view::owner(esl_mac esl,
                                          const std::vector<caf::node_id>& dead) const {
  return pick(members, esl, dead);
}

const cluster_member* cluster_view::previous_owner(esl_mac esl) const {
  auto p = pick(previous, esl, {});
  if (!p)
    return nullptr;
  return by_incarnation(p->incarnation);
}

const cluster_member* cluster_view::owner_before(const cluster_member& self, esl_mac esl) const {
  auto i = cluster::rendezvous_owner(
      esl.value(), members.size(), [&](size_t k) { return members[k].name_hash; },
      [&](size_t k) {
        auto& m = members[k];
        return !m.leaving && !m.shards.empty() && m.incarnation != self.incarnation &&
               m.up_since_ms < self.up_since_ms;
      });
  return i ? &members[*i] : nullptr;
}

std::vector<const cluster_member*>
cluster_view::job_order(std::string_view job, const std::vector<caf::node_id>& exclude) const {
  auto key = cluster::member_hash(job);
  std::vector<std::pair<uint64_t, const cluster_member*>> ranked;
  for (auto& m : members)
    if (!m.leaving && m.intake &&
        std::find(exclude.begin(), exclude.end(), m.node()) == exclude.end())
      ranked.emplace_back(cluster::rendezvous_weight(key, m.name_hash), &m);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->name_hash > b.second->name_hash;
  });
  std::vector<const cluster_member*> out;
  out.reserve(ranked.size());
  for (auto& [w, m] : ranked)
    out.push_back(m);
  return out;
}

const cluster_member* cluster_view::by_node(const caf::node_id& node) const {
  for (auto& m : members)
    if (m.node() == node)
      return &m;
  return nullptr;
}

const cluster_member* cluster_view::by_incarnation(uint64_t incarnation) const {
  for (auto& m : members)
    if (m.incarnation == incarnation)
      return &m;
  return nullptr;
}

} // namespace shelfwire
