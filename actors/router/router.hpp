#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/routing/route_source.hpp"

namespace shelfwire {

/// A router: answers (dispatch_atom, dispatch_request) with a
/// dispatch_result. It looks the ESL up in the RSSI table, picks the gateway
/// for this attempt (gateway_egress::choose: the preferred one first, then
/// runner-ups; down gateways skipped, load deciding within
/// routing.balance-margin-db), mints the reply token (node incarnation,
/// command id, attempt) and sends the action to `{prefix}/{gw}/action` at
/// QoS 1 through the gateway egress, which publishes it now or parks it
/// until the gateway's window opens (result `queued`). It holds no
/// per-command state: the token carries what the reply needs.
///
/// Each router owns one route source (a Redis connection of its own, see
/// node_context::make_route_source) and runs **detached** (its own thread),
/// because hiredis calls block. Requests that arrive while a Redis
/// round trip is under way are answered together by the next one (one
/// script call for up to `routers.lookup-batch-max` ESLs): under load, a
/// router batches instead of queueing. Many routers sit behind one
/// caf::actor_pool (round robin, `routers.pool-size`), resized at run time
/// by the inspector (`shelfwire-inspect scale`).
///
/// Also: (inspect_atom) -> router_row; (lookup_atom, esl_mac) ->
/// route_answer for the `route` view; (drain_atom) after the router was
/// taken out of the pool: it answers everything queued, hands requests
/// that still reach it back to the pool for `drain_grace_ms`, then stops.
struct router_state {
  static inline const char* name = "shelfwire.router";

  node_context_ptr ctx;
  std::unique_ptr<routing::route_source> routes_in;
  struct waiting_request {
    caf::typed_response_promise<dispatch_result> promise;
    dispatch_request req;
    command_handle who; ///< the asking command actor: told when a parked action goes out
  };
  std::vector<waiting_request> pending;
  bool flush_scheduled = false;
  std::vector<esl_mac> esls;          ///< scratch
  std::vector<routing::route> routes; ///< scratch
  std::string payload;                ///< scratch
  size_t index = 0;
  int64_t handled = 0; ///< dispatch requests answered
  bool draining = false;
};

/// How long a drained router keeps handing stray requests back to the pool
/// (a request the pool routed to it just before it was taken out).
constexpr int64_t drain_grace_ms = 500;

router_handle::behavior_type router(router_handle::stateful_pointer<router_state> self,
                                    node_context_ptr ctx, size_t index);

/// Spawns router number `index`: detached unless the context says otherwise.
router_handle spawn_router(caf::actor_system& sys, node_context_ptr ctx, size_t index);

} // namespace shelfwire
