#pragma once

#include <string>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/node/node_context.hpp"

namespace shelfwire {

/// Every `metrics.interval-ms`: logs one line with the node's key counters
/// (and gw_waiting, gw_down, busy_nacks: the gateways' flow control)
/// and publishes the full registry as JSON on `{metrics.topic}/{node}`
/// (QoS 0, retained, so a late subscriber sees the latest at once).
///
/// Runs on the CAF scheduler, one per node.
struct metrics_reporter_state {
  static inline const char* name = "shelfwire.metrics_reporter";
  node_context_ptr ctx;
};

caf::behavior metrics_reporter(caf::stateful_actor<metrics_reporter_state>* self,
                               node_context_ptr ctx);

/// The JSON snapshot a node publishes: {"node", "incarnation", "ts_ms",
/// "cluster", "metrics": {...}, "gateways": [{gw, state, window, in_flight,
/// waiting, sent, acks, busy, silent, trips}]} (one entry per gateway the
/// node has sent to; reading them keeps the gateway.down gauge current).
std::string metrics_snapshot_json(const node_context& ctx);

} // namespace shelfwire
