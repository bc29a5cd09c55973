#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/node_id.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_metrics.hpp"
#include "config/node_options.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/routing/route_source.hpp"

namespace shelfwire {

class gateway_egress;

/// Who this node process is. `incarnation` is random per start, so replies
/// to a previous run of the node are recognised as stale.
struct node_identity {
  std::string name;
  uint64_t incarnation = 0;
  siphash_key token_key; ///< keys the MAC of the reply tokens we mint (random per run)
};

/// Makes the route source of router number `index` (its own Redis
/// connection in a node; a fake in tests). Called when the router starts, on
/// the router's thread.
using route_source_factory = std::function<std::unique_ptr<routing::route_source>(size_t index)>;

/// What the actors of one node share: options, identity, metrics, the ports
/// (outgoing messages, route lookups) and the handles of the long-lived
/// actors. The node builds it completely before it spawns the first actor
/// that reads it (the router pool and the shards are created empty or
/// lazily for that), and nobody writes it afterwards, except the cluster
/// view, which has its own lock.
struct node_context {
  node_options opts;
  node_identity id;
  std::unique_ptr<metrics::registry> registry;
  std::unique_ptr<node_metrics> metrics;
  /// Publishes actions, results and metrics. Thread-safe.
  std::shared_ptr<mqtt::publisher> egress;
  /// Per-gateway windows, breaker and load-aware choice around `egress`:
  /// routers send actions through it (actors/gateway/gateway_egress.hpp).
  std::shared_ptr<gateway_egress> gateways;
  /// Where routers read routes from.
  route_source_factory make_route_source;
  /// Routers and status consumers block on I/O (hiredis): they run on their
  /// own threads. Tests on CAF's deterministic scheduler, whose fakes never
  /// block, turn this off.
  bool detach_blocking_actors = true;
  /// The router pool (a caf::actor_pool: sending to it picks a router).
  router_pool_handle routers;
  /// Command supervisors; an ESL belongs to shards[shard_index_for(esl, size)].
  std::vector<shard_handle> shards;
  /// Who is in the cluster (written by the cluster manager, read by anyone).
  mutable cluster_view_holder cluster; ///< the one field that changes after start
  /// The host the other members reach this node's CAF endpoint at.
  std::string cluster_host;
  bool naive_replies = false; ///< cluster.reply-routing = naive
  caf::node_id local_node;    ///< this actor system's CAF node id

  /// The supervisor shard of an ESL.
  const shard_handle& shard_of(esl_mac esl) const {
    return shards[shard_index_for(esl, shards.size())];
  }
  /// The shard that minted a command id (its top 16 bits).
  static size_t shard_index_of(uint64_t command_id) { return command_id >> 48; }
};

using node_context_ptr = std::shared_ptr<const node_context>;

} // namespace shelfwire
