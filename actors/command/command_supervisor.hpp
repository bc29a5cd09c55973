#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

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
/// - reports each outcome exactly once to whoever submitted the command;
/// - across the cluster: when the ESL's owner changed recently, the first
///   command of an ESL waits until the previous owner holds no command for
///   it (handoff, bounded by `cluster.handoff-timeout-ms`), so one command is
///   in flight per ESL cluster-wide; a legacy reply for an ESL it holds
///   nothing for goes on to the previous owner.
///
/// Runs on the CAF scheduler. Messages: (submit_atom, uint32_t index,
/// command_spec, caf::actor previous_owner_shard_or_null) from a job coordinator, answered later
/// with (outcome_atom, uint32_t index, command_report); (reply_atom, gateway_reply);
/// (shutdown_atom) ends everything `failed`/"shutdown"; (timer_atom,
/// timer_request) arms a command's timer, fired back as (timer_atom, uint8_t
/// kind, uint32_t seq), and reports the command's progress; (handoff_atom,
/// esl_mac) -> bool, answered once the shard holds no command for the ESL.
/// Inspection: (inspect_atom) -> std::vector<named_value>, its commands by
/// phase; (inspect_atom, command_query) -> command_list, the oldest matching.
///
/// A command's phase: `queued` (behind an earlier command of its ESL),
/// `handoff` (waiting for the previous owner), `ready` (waiting for a
/// running slot, `commands.max-running`), then with its actor running
/// `dispatching` (asking a router), `awaiting_reply` (action published),
/// `backing_off` (routing unavailable, asks again soon), `awaiting_route`
/// (no fresh route yet).
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
    gw_mac gw;                 ///< gateway of the latest attempt
    uint8_t timer_kind = 0xff; ///< the latest timer its actor armed (0xff: none yet)
  };

  node_context_ptr ctx;
  uint64_t shard_index = 0;
  uint64_t next_serial = 1;
  bool shutting_down = false;
  std::unordered_map<uint64_t, entry> commands;
  std::unordered_map<esl_mac, std::deque<uint64_t>> queues; ///< front: in flight
  std::unordered_map<caf::actor_addr, uint64_t> by_actor;   ///< live command actors
  timer_queue timers;
  std::deque<uint64_t> ready; ///< may start, waiting for a running slot (FIFO)
  /// ESLs whose first command waits for the previous owner (handoff).
  std::unordered_map<esl_mac, int> awaiting_handoff; ///< answers still expected
  /// New owners waiting for this shard to finish an ESL's commands.
  std::unordered_map<esl_mac, std::vector<caf::typed_response_promise<bool>>> handoff_waiters;
  int64_t next_tick_us = INT64_MAX; ///< earliest tick already scheduled
};

caf::behavior command_supervisor(caf::stateful_actor<command_supervisor_state>* self,
                                 node_context_ptr ctx, uint64_t shard_index);

} // namespace shelfwire
