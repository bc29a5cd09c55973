#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shelfwire {

/// How urgent a command is (a job's `priority`, docs/northbound.md). Waiting
/// commands of a higher priority overtake those of a lower one in the shard
/// queues and the gateway windows; within one priority the order is FIFO.
/// Values are ordered: a smaller value is more urgent.
enum class priority : uint8_t { high = 0, normal = 1, bulk = 2 };

inline constexpr size_t priority_count = 3;

inline constexpr priority all_priorities[] = {priority::high, priority::normal, priority::bulk};

constexpr std::string_view to_string(priority p) {
  switch (p) {
  case priority::high:
    return "high";
  case priority::normal:
    return "normal";
  case priority::bulk:
    return "bulk";
  }
  return "normal";
}

inline std::optional<priority> parse_priority(std::string_view s) {
  for (auto p : all_priorities)
    if (to_string(p) == s)
      return p;
  return std::nullopt;
}

} // namespace shelfwire
