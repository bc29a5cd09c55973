#pragma once

#include <string>

#include "runtime/flow/flow_options.hpp"

namespace shelfwire {

/// The southbound side: where gateways are. Keys `gateway.*` in the node config.
struct gateway_options {
  /// Topic prefix of the gateway contract: `{prefix}/{gw}/action|response|status`.
  std::string topic_prefix = "/gw";
  /// MQTT connections per node that take gateway responses (shared subscription).
  int response_consumers = 1;
  /// Shared-subscription group for responses: `$share/{group}/{prefix}/+/response`.
  std::string response_share_group = "shelfwire-responses";
  /// Per-gateway windows, breaker and load-aware choice (`gateway.flow-control`
  /// ... and `routing.balance-margin-db`; docs/gateways.md).
  flow::flow_options flow;
};

} // namespace shelfwire
