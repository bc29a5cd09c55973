#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/intake/command_dispatcher.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire {

/// One accepted job: hands each command to the supervisor shard of its ESL's
/// owner (at most `intake.dispatch-window` at a time, each to the owner of the
/// moment), sends again the commands of an owner that dies, collects one
/// outcome per command, and when all are in publishes the
/// result on `{intake.topic-prefix}/{job}/result` (QoS 1). If the broker is
/// down the result is retried until it is published, so a finished job is
/// never silent. Then it tells the intake and quits.
///
/// Runs on the CAF scheduler; spawned and monitored by the intake.
struct job_coordinator_state {
  static inline const char* name = "shelfwire.job";

  node_context_ptr ctx;
  caf::actor intake;
  wire::job_submission job;
  std::vector<wire::command_result> results;
  std::vector<bool> have;
  size_t remaining = 0;
  size_t next = 0; ///< first command not dispatched yet
  std::unique_ptr<command_dispatcher> dispatch;
  std::string topic;
  std::string payload;
  bool publishing = false;
};

caf::behavior job_coordinator(caf::stateful_actor<job_coordinator_state>* self,
                              node_context_ptr ctx, caf::actor intake, wire::job_submission job);

} // namespace shelfwire
