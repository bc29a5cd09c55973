#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/command/shard_core.hpp"

namespace shelfwire {

/// A shard of the node's commands: owns every command whose ESL hashes to
/// it, from acceptance to reported outcome. The rules (one command in
/// flight per ESL, supersede, running cap, restarts, handoff bookkeeping)
/// are `shard_core`'s (runtime/command); this actor is its shell on CAF:
///
/// - spawns and monitors a command actor whenever the core runs a command,
///   and tells the core when one crashes;
/// - routes gateway replies to the command actor (by command id, or by ESL
///   for legacy gateways), counts late, unknown and mismatched ones, and
///   sends a legacy reply for an ESL it holds nothing for on to the ESL's
///   previous owner;
/// - across the cluster: when the ESL's owner changed recently, asks the
///   previous owners' shards (handoff_atom) before the ESL's first command
///   starts, bounded by `cluster.handoff-timeout-ms`, and answers such asks
///   once it holds no command for the ESL;
/// - reports each outcome, exactly once, to whoever submitted the command;
/// - keeps the commands' timers (one coarse tick per shard).
///
/// Runs on the CAF scheduler. Protocol: shard_handle (actors/messages/
/// messages.hpp): (submit_atom, index, command_spec, previous owner's shard
/// or null) from a job coordinator, answered later with (outcome_atom,
/// index, command_report); (outcome_atom, id, command_outcome) and
/// (timer_atom, timer_request) from its command actors; (abort_atom) from a
/// submitter whose job passed its abort threshold: its commands that have
/// not started end `aborted`; (reply_atom,
/// gateway_reply); (handoff_atom, esl) -> bool; (shutdown_atom[, bool hand_back]) -> how many
/// commands ended `failed` ("shutdown"); (inspect_atom) -> its commands by
/// phase; (inspect_atom, command_query) -> command_list, the oldest matching.
struct command_supervisor_state {
  static inline const char* name = "shelfwire.command_supervisor";

  /// The CAF side of one command the core holds.
  struct held {
    outcome_listener_handle reply_to; ///< the submitter
    command_handle actor;             ///< invalid while the command does not run
  };

  node_context_ptr ctx;
  std::unique_ptr<shard_port> port;
  std::unique_ptr<shard_core> core;
  std::unordered_map<uint64_t, held> commands;
  std::unordered_map<caf::actor_addr, uint64_t> by_actor; ///< live command actors
  /// New owners waiting for this shard to finish an ESL's commands.
  std::unordered_map<esl_mac, std::vector<caf::typed_response_promise<bool>>> handoff_waiters;
  /// Handoff questions this shard asked and not yet had answered, by the
  /// previous owner's shard (monitored: if its node dies, a question sent
  /// just before would otherwise wait for cluster.handoff-timeout-ms).
  std::unordered_map<caf::actor_addr, std::vector<esl_mac>> handoff_asked;
};

shard_handle::behavior_type
command_supervisor(shard_handle::stateful_pointer<command_supervisor_state> self,
                   node_context_ptr ctx, uint64_t shard_index);

} // namespace shelfwire
