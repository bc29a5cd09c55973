#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/node/node_metrics.hpp"
#include "config/node_options.hpp"

namespace shelfwire {

namespace mqtt {
class client;
}

/// Who this node process is. `incarnation` is random per start, so replies
/// to a previous run of the node are recognised as stale.
struct node_identity {
  std::string name;
  uint64_t incarnation = 0;
  uint64_t token_secret = 0; ///< keys the check of the reply tokens we mint
};

/// What the actors of one node share: options, identity, metrics, the
/// outgoing MQTT connection and the handles of the long-lived actors. Built
/// by the node during startup (handles are filled as actors are spawned) and
/// read-only afterwards.
struct node_context {
  node_options opts;
  node_identity id;
  std::unique_ptr<metrics::registry> registry;
  std::unique_ptr<node_metrics> metrics;
  /// Publishes actions, results and metrics. Thread-safe.
  std::shared_ptr<mqtt::client> egress;
  /// The router pool (a caf::actor_pool: sending to it picks a router).
  caf::actor routers;
  /// Command supervisors; an ESL belongs to shards[hash(esl) % size].
  std::vector<caf::actor> shards;
  /// Who is in the cluster (written by the cluster manager, read by anyone).
  mutable cluster_view_holder cluster; ///< the one field that changes after start
  /// This node's CAF endpoint as the other members reach it (after start).
  std::string cluster_host;
  uint16_t cluster_port = 0;
  bool naive_replies = false; ///< cluster.reply-routing = naive
  caf::node_id local_node;    ///< this actor system's CAF node id

  /// The supervisor shard of an ESL.
  const caf::actor& shard_of(esl_mac esl) const;
  /// The shard that minted a command id (its top 16 bits).
  static size_t shard_index_of(uint64_t command_id) { return command_id >> 48; }
};

using node_context_ptr = std::shared_ptr<const node_context>;

} // namespace shelfwire
