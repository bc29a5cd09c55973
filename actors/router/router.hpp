#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"

namespace shelfwire {

/// A router: answers (dispatch_atom, dispatch_request) with a
/// dispatch_result. It looks the ESL up in the RSSI table, picks the
/// gateway for this attempt (routing::pick_gateway: the preferred one first,
/// then runner-ups), mints the reply token (node incarnation, command id,
/// attempt) and publishes the action to `{prefix}/{gw}/action` at QoS 1.
/// Holds no per-command state: the token carries what the reply needs.
///
/// Runs on the CAF scheduler, many per node behind a caf::actor_pool
/// (router_pool.hpp).
struct router_state {
  static inline const char* name = "shelfwire.router";

  node_context_ptr ctx;
  caf::actor lookup;
  std::string payload; ///< scratch for encoding
};

caf::behavior router(caf::stateful_actor<router_state>* self, node_context_ptr ctx,
                     caf::actor lookup);

} // namespace shelfwire
