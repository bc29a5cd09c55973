#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/log/throttle.hpp"

namespace shelfwire {

/// Where jobs enter the node (shared subscription on `{prefix}/submit`, QoS
/// 1). Validates each submission and either spawns a job_coordinator for it
/// or publishes a rejection: on `{prefix}/{job}/result` with `error` when
/// the job id is usable, else on `{prefix}/rejected`. Rejected: malformed
/// payloads, too many commands, too large, overload (`intake.max-pending-
/// commands`). A job id already in flight on this node is a redelivery: it
/// is dropped and counted (`jobs.duplicate`), the first run's result stands.
///
/// Runs on the CAF scheduler, one per node.
struct job_intake_state {
  static inline const char* name = "shelfwire.intake";

  node_context_ptr ctx;
  std::unordered_map<std::string, uint64_t> jobs; ///< in flight: id -> commands
  std::unordered_map<caf::actor_addr, std::pair<std::string, caf::actor>> coordinators;
  int64_t pending_commands = 0;
  log::throttle reject_log;
};

caf::behavior job_intake(caf::stateful_actor<job_intake_state>* self, node_context_ptr ctx);

} // namespace shelfwire
