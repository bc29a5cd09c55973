#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "runtime/routing/route.hpp"

namespace shelfwire::routing {

/// Which gateway a router uses for the next attempt of a command: the first
/// candidate not tried yet that `usable` accepts (candidates come
/// preferred-first); if none and `allow_repeat`, the usable one tried least
/// recently. Nullopt: no candidate may be used.
template <class Usable>
std::optional<candidate> pick_gateway(const route& r, const std::vector<gw_mac>& tried,
                                      bool allow_repeat, Usable&& usable) {
  for (auto& c : r.candidates)
    if (std::find(tried.begin(), tried.end(), c.gw) == tried.end() && usable(c.gw))
      return c;
  if (!allow_repeat)
    return std::nullopt;
  const candidate* best = nullptr;
  size_t best_last = 0;
  for (auto& c : r.candidates) {
    if (!usable(c.gw))
      continue;
    // Position of the most recent try of this gateway.
    auto it = std::find(tried.rbegin(), tried.rend(), c.gw);
    auto last = static_cast<size_t>(tried.rend() - it);
    if (!best || last < best_last) {
      best = &c;
      best_last = last;
    }
  }
  if (!best)
    return std::nullopt;
  return *best;
}

/// The same with every candidate usable.
inline std::optional<candidate> pick_gateway(const route& r, const std::vector<gw_mac>& tried,
                                             bool allow_repeat) {
  return pick_gateway(r, tried, allow_repeat, [](gw_mac) { return true; });
}

} // namespace shelfwire::routing
