#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/node_id.hpp>

#include "actors/messages/messages.hpp"

#include "runtime/core/mac.hpp"
#include "runtime/core/siphash.hpp"

namespace shelfwire {

/// One live member of the cluster as the local node sees it.
struct cluster_member {
  std::string name;
  uint64_t incarnation = 0;
  siphash_key token_key; ///< verifies the reply tokens the member mints
  std::string host;      ///< its CAF endpoint
  uint16_t port = 0;
  int64_t up_since_ms = 0;          ///< wall clock, ms since the epoch
  bool leaving = false;             ///< draining: holds commands, takes no new ones
  caf::actor manager;               ///< its cluster manager
  std::vector<shard_handle> shards; ///< its command supervisors
  caf::actor intake;                ///< its job intake; null if it takes no jobs
  uint64_t name_hash = 0;           ///< cluster::member_hash(name)

  caf::node_id node() const { return manager.node(); }
  /// The supervisor shard of `esl` on this member.
  const shard_handle& shard_of(esl_mac esl) const;
  /// Its CAF endpoint, "host:port".
  std::string endpoint() const;
};

/// Which of `shards` supervisor shards holds `esl`'s commands (on any member).
size_t shard_index_for(esl_mac esl, size_t shards);

/// An immutable snapshot of the membership: who is up, and who was up
/// before the last change (for ownership handoff). Shared by every actor of
/// the node through cluster_view_holder; replaced, never modified.
struct cluster_view {
  uint64_t epoch = 0;
  int64_t changed_us = 0;               ///< steady clock of the last change
  std::vector<cluster_member> members;  ///< sorted by name; includes this node
  std::vector<cluster_member> previous; ///< the members before the last change
  uint64_t self_incarnation = 0;

  /// The member that owns `esl` (rendezvous hashing over the members that
  /// are not leaving and not in `dead`); nullptr if there is none.
  const cluster_member* owner(esl_mac esl, const std::vector<caf::node_id>& dead = {}) const;
  /// The owner of `esl` before the last change, if it is still a member.
  const cluster_member* previous_owner(esl_mac esl) const;
  /// The owner of `esl` among the members that were up before `self`
  /// (where its ESLs were before this node joined, or came back).
  const cluster_member* owner_before(const cluster_member& self, esl_mac esl) const;
  /// The members that take jobs (an intake, not leaving), in rendezvous
  /// order of `job`: the first is the job's home (where submissions of it
  /// go, and who coordinates it), the next one not the coordinator is its
  /// standby. `exclude`: nodes to leave out (the coordinator's, dead ones).
  std::vector<const cluster_member*> job_order(std::string_view job,
                                               const std::vector<caf::node_id>& exclude = {}) const;
  const cluster_member* by_incarnation(uint64_t incarnation) const;
  /// The member on CAF node `node`, if any.
  const cluster_member* by_node(const caf::node_id& node) const;
  const cluster_member* self() const { return by_incarnation(self_incarnation); }
  /// This node's CAF endpoint as the others reach it ("host:port"), or ""
  /// before the node listens.
  std::string self_endpoint() const;
};

using cluster_view_ptr = std::shared_ptr<const cluster_view>;

/// The node's current cluster_view: written by the cluster manager, read by
/// anyone (intake, ingress, supervisors) from any thread.
class cluster_view_holder {
public:
  cluster_view_ptr get() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return view_;
  }
  void set(cluster_view_ptr v) {
    std::lock_guard<std::mutex> guard{mtx_};
    view_ = std::move(v);
  }

private:
  mutable std::mutex mtx_;
  cluster_view_ptr view_ = std::make_shared<const cluster_view>();
};

} // namespace shelfwire
