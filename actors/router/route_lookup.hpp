#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/redis/connection.hpp"
#include "runtime/routing/route_table.hpp"

namespace shelfwire {

/// The routers' window on the RSSI table: answers (lookup_atom, esl_mac)
/// with a route_answer. Owns one Redis connection and runs **detached** (its
/// own thread), because hiredis calls block. Lookups that arrive while a
/// Redis round trip is under way are answered together by the next one
/// (one script call for up to `routers.lookup-batch-max` ESLs), so load
/// turns into batching rather than queueing.
struct route_lookup_state {
  static inline const char* name = "shelfwire.route_lookup";

  node_context_ptr ctx;
  std::unique_ptr<redis::connection> conn;
  std::unique_ptr<routing::route_table> table;
  std::vector<std::pair<caf::typed_response_promise<route_answer>, esl_mac>> pending;
  bool flush_scheduled = false;
  std::vector<esl_mac> esls;           ///< scratch
  std::vector<routing::route> routes; ///< scratch
};

caf::behavior route_lookup(caf::stateful_actor<route_lookup_state>* self, node_context_ptr ctx);

} // namespace shelfwire
