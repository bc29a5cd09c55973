#pragma once

#include <cstdint>
#include <optional>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/command/command_fsm.hpp"

namespace shelfwire {

/// One ESL command, alive from its start to its outcome. A thin shell around
/// command_fsm: it turns the machine's steps into requests to the router
/// pool and into timers, feeds it gateway replies, and reports the outcome to
/// its supervisor (exactly once) before it quits.
///
/// Runs on the CAF scheduler; spawned and monitored by a command_supervisor.
/// Protocol: command_handle (actors/messages/messages.hpp): gateway replies
/// and due timers from the supervisor, (window_atom, ...) from the gateway
/// egress when an attempt that waited for its gateway's window went out (or
/// must be routed again), (done_atom) once its outcome is recorded,
/// (crash_atom) a fault hook for tests. It tells the egress how each of its
/// attempts ended (ACK, busy, other NACK, silence): the gateway windows and
/// the breaker learn from that.
struct command_state {
  static inline const char* name = "shelfwire.command";

  node_context_ptr ctx;
  shard_handle supervisor;
  uint64_t id = 0;
  command_spec cmd;
  std::optional<command_fsm> fsm;
  int64_t started_us = 0;
  gw_mac current_gw;              ///< gateway of the attempt in flight (for inspection)
  bool gateways_released = false; ///< release_gateways() ran (at the outcome)

  /// Drops what the command holds or waits for in its gateways' windows
  /// (once: at its outcome, or when the actor stops without one).
  void release_gateways();

  command_state() = default;
  command_state(const command_state&) = delete;
  command_state& operator=(const command_state&) = delete;
  /// Releases the gateways if the outcome did not (crash, shutdown).
  ~command_state();
};

command_handle::behavior_type command_actor(command_handle::stateful_pointer<command_state> self,
                                            node_context_ptr ctx, shard_handle supervisor,
                                            uint64_t id, command_spec cmd, int64_t accepted_us,
                                            int restarts);

} // namespace shelfwire
