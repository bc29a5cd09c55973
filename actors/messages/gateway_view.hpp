#pragma once

// The `gateways` view of shelfwire-inspect (inspector -> client): the node's
// per-gateway flow control and circuit breaker (runtime/flow). Included by
// messages.hpp, which gives the types their IDs.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "runtime/core/mac.hpp"

namespace shelfwire {

/// One gateway as this node sees it (flow::gateway_stats, breaker as text).
struct gateway_row {
  gw_mac gw;
  std::string state;          ///< breaker: "up", "down", "probing"
  double window = 0;          ///< actions this node may have in flight there
  uint32_t in_flight = 0;     ///< attempts holding a window slot
  uint32_t waiting = 0;       ///< attempts waiting for the window
  uint32_t silent_in_row = 0; ///< silent attempts since its last answer
  int64_t down_for_ms = 0;    ///< down: cool-down left before a probe
  uint64_t sent = 0, acks = 0, busy = 0, nacks = 0, silent = 0;
  uint64_t waited = 0;      ///< attempts that waited for the window
  uint64_t balanced_in = 0; ///< attempts sent here instead of the strongest candidate
  uint64_t breaker_trips = 0;
};

/// (inspect_atom, gateways_atom, token) -> gateway_report: the node's flow
/// settings (keys gateway.* and routing.balance-margin-db), its totals and
/// one row per gateway it has sent to, sorted by gateway.
struct gateway_report {
  std::string node;
  std::string endpoint;
  // settings
  bool flow_control = true;
  int64_t window_min = 0, window_initial = 0, window_max = 0;
  int64_t breaker_silent_attempts = 0;
  int64_t breaker_cool_down_ms = 0;
  int64_t balance_margin_db = 0;
  // totals (flow::flow_totals)
  uint64_t balanced = 0, avoided_down = 0, waited = 0, rerouted = 0;
  uint64_t trips = 0, recoveries = 0, busy = 0, silent = 0;
  std::vector<gateway_row> rows;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_row& x) {
  return f(caf::meta::type_name("shelfwire::gateway_row"), x.gw, x.state, x.window, x.in_flight,
           x.waiting, x.silent_in_row, x.down_for_ms, x.sent, x.acks, x.busy, x.nacks, x.silent,
           x.waited, x.balanced_in, x.breaker_trips);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_report& x) {
  return f(caf::meta::type_name("shelfwire::gateway_report"), x.node, x.endpoint, x.flow_control,
           x.window_min, x.window_initial, x.window_max, x.breaker_silent_attempts,
           x.breaker_cool_down_ms, x.balance_margin_db, x.balanced, x.avoided_down, x.waited,
           x.rerouted, x.trips, x.recoveries, x.busy, x.silent, x.rows);
}

} // namespace shelfwire
