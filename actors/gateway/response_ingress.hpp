#pragma once

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/log/throttle.hpp"

namespace shelfwire {

/// Where gateway responses enter the node. The MQTT callback of a response
/// consumer connection (shared subscription `$share/{group}/{prefix}/+/response`)
/// copies each message into an mqtt_inbound and sends it here. The ingress
/// decodes it (malformed payloads are counted and logged, never fatal),
/// reads the token and hands a gateway_reply to the supervisor shard that
/// holds the command — on this node or, by CAF messaging, on the member whose
/// incarnation minted the token (`replies.crossed`). Legacy gateways echo no
/// token: their replies go to the ESL's owner. A token of a node that is not
/// a member (any more) is stale: counted (`replies.foreign`), never
/// delivered. In naive mode (`cluster.reply-routing = naive`) replies for
/// other nodes' commands are dropped (`replies.dropped_naive`).
///
/// Runs on the CAF scheduler, one per response consumer connection.
struct response_ingress_state {
  static inline const char* name = "shelfwire.response_ingress";

  node_context_ptr ctx;
  log::throttle malformed_log;
};

caf::behavior response_ingress(caf::stateful_actor<response_ingress_state>* self,
                               node_context_ptr ctx);

} // namespace shelfwire
