#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/cluster/ownership.hpp"
#include "runtime/cluster/presence.hpp"

namespace shelfwire {

/// Keeps this node's view of the cluster and publishes it to the node
/// (node_context::cluster) on every change.
///
/// - Published on the node's CAF endpoint (`cluster.port`); other nodes
///   connect to it and send (join_atom, member_info), answered with every
///   member it knows.
/// - Joins its `cluster.seeds` at start and keeps trying the ones it cannot
///   reach every `cluster.gossip-interval-ms`; gossips its member list to
///   every member at the same pace. A member learnt by gossip is connected to
///   directly before it is admitted: the cluster is a full mesh, as CAF
///   0.17.6 gives no failure signal over an indirect route.
/// - Monitors every member's manager: a killed node is down at once (the
///   connection drops), a frozen one after `cluster.failure-timeout-ms`
///   without heartbeats (CAF middleman heartbeats).
/// - A node that comes back under the same name with a new incarnation
///   replaces its old entry.
///
/// Runs on the CAF scheduler, one per node. Messages: (publish_atom,
/// uint16_t port) once the endpoint is open; (join_atom, member_info) ->
/// member_list; (members_atom, member_list); (leave_atom) -> bool from the
/// node when it stops; (leave_atom, name, incarnation) from a member.
/// For shelfwire-inspect, which connects to this endpoint: (inspect_atom) ->
/// caf::actor, the node's inspector; (inspect_atom, members_atom) ->
/// std::vector<member_row>; (inspect_atom, members_atom, presence_atom) ->
/// std::vector<presence_row>. From the node's presence connection:
/// (presence_atom, topic, payload, retained), kept in `presence`
/// (actors/messages/presence_view.hpp, docs/operations.md "Node presence").
struct cluster_manager_state {
  static inline const char* name = "shelfwire.cluster_manager";

  node_context_ptr ctx;
  member_info self_info;
  std::map<std::string, member_info> members; ///< the others, by name
  std::vector<cluster::endpoint> seeds;
  std::set<std::string> connecting;    ///< endpoints with a connect in progress
  std::vector<cluster_member> current; ///< members of the published view
  uint64_t epoch = 0;
  std::set<std::string> unreachable;            ///< seeds whose failure was logged (once each)
  std::map<std::string, int64_t> last_heard_us; ///< steady clock of a member's last join/gossip
  /// Per name presented by a refused node: when that was last logged.
  std::map<std::string, int64_t> refusal_logged_us;
  caf::actor inspector;            ///< handed to shelfwire-inspect
  cluster::presence_book presence; ///< every node's latest presence on {presence.topic}/+
};

caf::behavior cluster_manager(caf::stateful_actor<cluster_manager_state>* self,
                              node_context_ptr ctx, caf::actor inspector, caf::actor intake = {});

} // namespace shelfwire
