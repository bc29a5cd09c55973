#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shelfwire {

/// What /readyz looks at, gathered by the node's endpoint (pure data).
struct readiness_input {
  std::string node;
  bool stopping = false; ///< node::stop has begun: draining, takes no new work
  struct mqtt_link {
    std::string role;   ///< "egress", "responses0", "intake", ...
    bool ready = false; ///< connected and every subscription acknowledged
  };
  std::vector<mqtt_link> mqtt;
  bool redis_ok = false;
  std::string redis_error;        ///< why not ("timeout", "disconnected", ...)
  bool cluster_listening = false; ///< the node is a member of its own view
  bool has_seeds = false;         ///< cluster.seeds names other members
  uint64_t cluster_joins = 0;     ///< other members that joined since start
  int64_t cluster_members = 0;
};

/// The verdict and the JSON body of /readyz: {"ready", "node", "missing":
/// [...], "checks": {"mqtt": {role: bool}, "redis": "ok"|why, "cluster":
/// {"joined", "members"}, "stopping"}}.
struct readiness {
  bool ready = false;
  std::vector<std::string> missing; ///< one human-readable line per failed check
  std::string json;
};

/// Ready: not stopping, every MQTT connection up and subscribed, Redis
/// answered a PING, and the node has joined its cluster (it listens as a
/// member and, with seeds, has met at least one other member since it
/// started; a node left alone later stays ready: it owns every ESL).
readiness evaluate_readiness(const readiness_input& in);

} // namespace shelfwire
