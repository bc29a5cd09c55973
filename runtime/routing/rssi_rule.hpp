#pragma once

#include <cstdint>
#include <optional>

#include "runtime/core/mac.hpp"

namespace shelfwire::routing {

/// The current preferred gateway of an ESL as stored.
struct preferred {
  gw_mac gw;
  int32_t rssi = 0;
  int64_t seen_ms = 0;
};

/// The thesis' rule (its routing manager's), extended with staleness: a
/// report (gw, rssi) replaces the preferred entry if there is none, if the
/// stored one is stale, if the report is stronger, or if it comes from the
/// same gateway (even weaker: the gateway's latest word wins). Otherwise the
/// preferred gateway stays (hysteresis: no flapping between similar gateways).
/// docs/routing-table.md (section 1) explains the rule and why it runs in Redis.
///
/// The same rule runs server-side in Redis (Lua, routing/route_table.cpp);
/// this C++ twin is the reference the unit tests pin down.
inline bool replaces_preferred(const std::optional<preferred>& cur, gw_mac gw, int32_t rssi,
                               int64_t now_ms, int64_t stale_after_ms) {
  if (!cur)
    return true;
  if (now_ms - cur->seen_ms > stale_after_ms)
    return true;
  if (cur->gw == gw)
    return true;
  return rssi > cur->rssi;
}

} // namespace shelfwire::routing
