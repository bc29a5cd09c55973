#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/core/mac.hpp"

namespace shelfwire {

/// Where a command a supervisor shard holds stands; `command_phase_names`
/// names them for the views (shelfwire-inspect, metrics), in this order.
enum class command_phase : uint8_t {
  queued,          ///< behind an earlier command of its ESL
  handoff,         ///< waiting for the ESL's previous owner
  ready,           ///< waiting for a running slot (`commands.max-running`)
  dispatching,     ///< its actor asked a router
  awaiting_reply,  ///< action published
  backing_off,     ///< routing unavailable: asks again soon
  awaiting_route,  ///< no fresh route yet
  awaiting_window, ///< its gateway's window is full: waits in the node (gateway.flow-control)
};
inline constexpr const char* command_phase_names[] = {
    "queued",         "handoff",     "ready",          "dispatching",
    "awaiting_reply", "backing_off", "awaiting_route", "awaiting_window"};
inline constexpr size_t command_phase_count = std::size(command_phase_names);

inline const char* to_string(command_phase p) {
  return command_phase_names[static_cast<size_t>(p)];
}

/// Which commands the `commands` view lists.
struct command_query {
  bool has_esl = false;
  esl_mac esl;
  std::string state; ///< a phase name; "" = any
  uint32_t limit = 100;
};

/// One command a node holds (in flight or waiting).
struct command_row {
  uint64_t id = 0;
  esl_mac esl;
  std::string op;
  std::string priority = "normal"; ///< its job's: high, normal, bulk
  std::string state;               ///< a phase name
  int64_t age_ms = 0;
  uint32_t attempts = 0;
  bool has_gw = false;
  gw_mac gw;
  uint32_t shard = 0;
};

/// The `commands` view: the oldest `limit` matching commands.
struct command_list {
  std::vector<command_row> rows;
  uint64_t matching = 0; ///< how many matched in all
};

} // namespace shelfwire
