#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/intake/job_coordinator.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/core/publish_budget.hpp"
#include "runtime/log/throttle.hpp"

namespace shelfwire {

/// Where jobs enter the node (shared subscription on `{prefix}/submit`, QoS
/// 1), and the node's ledger of the jobs it holds.
///
/// A valid submission goes to the job's *home*: the first member in the
/// rendezvous order of its id (forwarded there unless that is this node).
/// The home runs each job id once: a job it holds (coordinating it or as
/// standby) gets its receipt published again, a finished one within
/// `intake.result-retention-ms` its result. When the membership changes,
/// each intake tells the new homes of the ids it holds; an id held
/// elsewhere is asked about there (and, for a few seconds after a change,
/// any unknown id at every member): the holder answers the same way, and
/// only if none holds it is it accepted and a job_coordinator spawned. Rejected:
/// malformed payloads, too many commands, too large, overload
/// (`intake.max-pending-commands`): on `{prefix}/{job}/result` with `error`
/// when the job id is usable, else on `{prefix}/rejected`.
///
/// Also spawns the standby copies other members' coordinators ask it to
/// hold, and keeps finished jobs' results (bounded by age and bytes).
///
/// Runs on the CAF scheduler, one per node.
struct job_intake_state {
  static inline const char* name = "shelfwire.intake";

  struct live_job {
    job_role role = job_role::coordinator;
    caf::actor actor;
    uint64_t commands = 0;
  };
  struct kept_result {
    std::string payload;
    int64_t expires_us = 0;
  };

  node_context_ptr ctx;
  std::unordered_map<std::string, live_job> jobs;            ///< held here, by id
  std::unordered_map<caf::actor_addr, std::string> by_actor; ///< their actors
  std::unordered_map<std::string, std::string> looking_up;   ///< id -> submission
  std::unordered_map<std::string, kept_result> results;      ///< finished, by id
  std::deque<std::pair<int64_t, std::string>> result_order;  ///< (expires_us, id), oldest first
  int64_t result_bytes = 0;
  /// Jobs whose home this node became while another member held them
  /// (told by that member after the membership changed): id -> its intake.
  std::unordered_map<std::string, std::pair<caf::actor, int64_t>> elsewhere; ///< (intake, until_us)
  uint64_t view_epoch = 0;      ///< the cluster view the ledger was last handed over for
  int64_t pending_commands = 0; ///< of the jobs coordinated here
  bool leaving = false;
  log::throttle reject_log;
  /// Rejections published per second at most (intake.rejections-per-s).
  publish_budget reject_budget{50};
};

caf::behavior job_intake(caf::stateful_actor<job_intake_state>* self, node_context_ptr ctx);

} // namespace shelfwire
