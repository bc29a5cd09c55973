#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "runtime/routing/route.hpp"

namespace shelfwire::routing {

/// Which gateway a router uses for the next attempt of a command: the first
/// fresh candidate not tried yet (candidates come preferred-first); if all
/// were tried and `allow_repeat`, the one tried least recently. Nullopt: no
/// candidate may be used.
inline std::optional<candidate> pick_gateway(const route& r, const std::vector<gw_mac>& tried,
                                             bool allow_repeat) {
  for (auto& c : r.candidates)
    if (std::find(tried.begin(), tried.end(), c.gw) == tried.end())
      return c;
  if (!allow_repeat || r.candidates.empty())
    return std::nullopt;
  const candidate* best = nullptr;
  size_t best_last = 0;
  for (auto& c : r.candidates) {
    // Position of the most recent try of this gateway.
    auto it = std::find(tried.rbegin(), tried.rend(), c.gw);
    auto last = static_cast<size_t>(tried.rend() - it);
    if (!best || last < best_last) {
      best = &c;
      best_last = last;
    }
  }
  return *best;
}

} // namespace shelfwire::routing
