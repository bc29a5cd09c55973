#pragma once

#include <cstdint>
#include <vector>

#include "runtime/core/mac.hpp"

namespace shelfwire::routing {

/// One gateway that can reach an ESL.
struct candidate {
  gw_mac gw;
  int32_t rssi = 0;
  int64_t age_ms = 0; ///< since that gateway last reported the ESL
};

/// What the routing table says about one ESL: fresh candidates only, the
/// preferred gateway (thesis rule) first, then runner-ups by RSSI.
struct route {
  esl_mac esl;
  std::vector<candidate> candidates; ///< empty: unroutable
};

} // namespace shelfwire::routing
