#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/intake/command_dispatcher.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"

namespace shelfwire {

/// Relays node::submit calls (local_submission) to the supervisor shard of
/// each ESL's owner, like a job coordinator without a job, and hands each
/// outcome to its callback (on this actor's scheduler thread).
///
/// Runs on the CAF scheduler; one per node.
struct local_client_state {
  static inline const char* name = "shelfwire.local_client";
  node_context_ptr ctx;
  std::unique_ptr<command_dispatcher> dispatch;
  uint32_t next = 0;
  std::unordered_map<uint32_t, local_submission> waiting;
};

caf::behavior local_client(caf::stateful_actor<local_client_state>* self, node_context_ptr ctx);

} // namespace shelfwire
