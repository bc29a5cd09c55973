#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/command/timer_queue.hpp"

namespace shelfwire {

/// A shard of the node's commands. Owns every command whose ESL hashes to
/// it, from acceptance to reported outcome:
///
/// - one command in flight per ESL, the others wait in submission order; a
///   newer command with the same op replaces a waiting one (`superseded`);
/// - spawns and monitors each command actor; a crashed one is restarted up
///   to `commands.max-restarts`, then ends `failed`;
/// - routes gateway replies to the command actor (by command id, or by ESL
///   for legacy gateways) and counts late, unknown and mismatched ones;
/// - reports each outcome exactly once to whoever submitted the command.
///
/// Runs on the CAF scheduler. Messages: (submit_atom, uint32_t index,
/// command_spec) from a job coordinator, answered later with (outcome_atom,
/// uint32_t index, command_report); (reply_atom, gateway_reply);
/// (shutdown_atom) ends everything `failed`/"shutdown"; (timer_atom,
/// timer_request) arms a command's timer, fired back as (timer_atom, uint8_t
/// kind, uint32_t seq), and reports the command's progress.
struct command_supervisor_state {
  static inline const char* name = "shelfwire.command_supervisor";

  struct entry {
    uint32_t index = 0;
    command_spec cmd;
    caf::actor reply_to;
    int64_t accepted_us = 0;
    caf::actor actor; ///< invalid while waiting behind another command of the ESL
    int restarts = 0;
    uint32_t attempts_before = 0; ///< actions published by crashed incarnations
    uint32_t attempts = 0;        ///< actions published by the current one (last report)
    bool has_gw = false;
    gw_mac gw; ///< gateway of the latest attempt
  };

  node_context_ptr ctx;
  uint64_t shard_index = 0;
  uint64_t next_serial = 1;
  bool shutting_down = false;
  std::unordered_map<uint64_t, entry> commands;
  std::unordered_map<esl_mac, std::deque<uint64_t>> queues; ///< front: in flight
  std::unordered_map<caf::actor_addr, uint64_t> by_actor;
  timer_queue timers;
  int64_t next_tick_us = INT64_MAX; ///< earliest tick already scheduled
};

caf::behavior command_supervisor(caf::stateful_actor<command_supervisor_state>* self,
                                 node_context_ptr ctx, uint64_t shard_index);

} // namespace shelfwire
