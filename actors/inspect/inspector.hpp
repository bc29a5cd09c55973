#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"

namespace shelfwire {

/// The node's inspector: answers shelfwire-inspect's views and carries out
/// its control actions. The client reaches it through the cluster manager
/// on the node's CAF endpoint ((inspect_atom) -> this actor).
///
/// Views (read-only; each request carries a token as its last element: the
/// node's inspect.read-token or inspect.token — or "" while the node has no
/// read token and listens on loopback only; see docs/security.md and
/// docs/operations.md): (inspect_atom, node_atom, token) -> node_report,
/// gathered from the supervisors, the routers and the metrics registry;
/// (inspect_atom, commands_atom, command_query, token) -> command_list, the
/// oldest matching commands of every shard; (inspect_atom, route_atom,
/// esl_mac, token) -> route_report, one router's lookup in the RSSI table;
/// (inspect_atom, gateways_atom, token) -> gateway_report, the per-gateway
/// windows and breakers (gateways_view below). A
/// refused request gets an error (caf::sec::runtime_error with the reason),
/// is counted (inspect.refused) and logged (at most 5 lines a second).
///
/// Control: (scale_atom, pool, size, token, requested_by) -> scale_result. Only with the
/// node's `inspect.token`; refused (and logged) otherwise. Scaling "routers"
/// adds routers to the pool, or takes the newest out: a router taken out
/// answers what it holds, hands what still reaches it back to the pool and
/// stops (router.hpp). One scale at a time; the answer comes once the pool
/// has its new size.
///
/// Runs on the CAF scheduler, one per node. Samples the MQTT message rate
/// once a second.
struct inspector_state {
  static inline const char* name = "shelfwire.inspector";

  node_context_ptr ctx;
  std::vector<named_value> fixed_actors; ///< long-lived actors by kind (set at start)
  size_t next_router_index = 0;
  int64_t up_since_ms = 0;
  int64_t last_mqtt_messages = -1;
  int64_t mqtt_messages_per_s = 0;
};

/// The error a view request with `token` gets, or nullopt when it may be
/// answered (actors/inspect/access.hpp); counts and logs refusals. The
/// cluster manager uses it too (the inspector handle, the members view).
/// Thread-safe.
std::optional<caf::error> refuse_view(const node_context& ctx, const std::string& token);

/// The `gateways` view: the node's flow settings, totals and one row per
/// gateway it has sent to (actors/gateway/gateway_egress). Thread-safe.
gateway_report gateways_view(const node_context& ctx);

/// Sizes a control action accepts.
constexpr int32_t max_router_pool_size = 256;

/// `fixed_actors`: the node's long-lived actors by kind, for the `node`
/// view; `next_router_index`: the index the next router spawned gets.
caf::behavior inspector(caf::stateful_actor<inspector_state>* self, node_context_ptr ctx,
                        std::vector<named_value> fixed_actors, size_t next_router_index);

} // namespace shelfwire
