#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/node_id.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/intake/command_dispatcher.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/command/rollout_control.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire {

/// What a job_coordinator actor is for its job.
enum class job_role : uint8_t {
  /// Sends the commands, collects the outcomes, publishes the result.
  coordinator,
  /// Holds a copy (commands and the outcomes replicated so far) on another
  /// member; becomes the coordinator if the coordinator dies or leaves.
  standby,
};

/// One job on one member, as its coordinator or as its standby.
///
/// The coordinator hands each command to the supervisor shard of its ESL's
/// owner (at most `intake.dispatch-window` at a time, each to the owner of
/// the moment), sends again the commands of an owner that dies, collects one
/// outcome per command, and when all are in publishes the dead letters and
/// the result on `{intake.topic-prefix}/{job}/result` (QoS 1), retried
/// until the broker takes them. It keeps a standby on the next member in the
/// job's rendezvous order: the receipt (`{prefix}/{job}/accepted`) goes out
/// once the standby holds the job (at once in a cluster of one), outcomes
/// reach it in batches (`intake.replication-interval-ms`), and a standby
/// that dies is replaced.
///
/// The standby takes over when the coordinator's actor goes down (its node
/// died or left): its commands that shards still hold are rebound to it
/// (rebind_atom), the others without an outcome are sent again to their
/// ESLs' owners of the moment, and it picks a standby of its own.
///
/// Rollout control (docs/northbound.md): the job's `priority` travels in
/// each command_spec; with a `rate` commands are released at most that
/// many per second (rollout_control's token bucket, a timer to itself:
/// (submit_atom)); once the job's failures reach its `abort_threshold`
/// the commands not sent end `aborted` here, and the shards holding the
/// others get (abort_atom) and end those not started the same way.
///
/// Both tell their intake (done_atom, job, commands, result payload) when the
/// result is out, and quit. Runs on the CAF scheduler; spawned and monitored
/// by the intake.
struct job_coordinator_state {
  static inline const char* name = "shelfwire.job";

  node_context_ptr ctx;
  caf::actor intake;
  job_role role = job_role::coordinator;
  wire::job_submission job;
  std::string submission; ///< the submission as received (replicated as is)
  std::vector<wire::command_result> results;
  std::vector<bool> have; ///< outcome recorded
  std::vector<bool> sent; ///< sent (or adopted) by this coordinator
  size_t remaining = 0;
  size_t next = 0; ///< where fill_window looks for the next command to send
  std::unique_ptr<command_dispatcher> dispatch;
  bool dispatching = false; ///< commands go out (after the standby holds the job)
  /// The job's rate and abort threshold; both roles count the outcomes.
  rollout_control rollout;
  int64_t accepted_us = 0;    ///< when this actor got the job (latency of `aborted` outcomes)
  int64_t release_due_us = 0; ///< the rate limit's wake-up (0: none armed)
  bool abort_sent = false;    ///< this actor stopped sending and told the shards

  /// The other side: the standby (coordinator role) or the coordinator
  /// (standby role); null while there is none.
  caf::actor peer;
  std::string peer_name;
  std::vector<caf::node_id> passed_over;   ///< members that failed to take the standby role
  std::vector<outcome_entry> unreplicated; ///< outcomes not sent to the standby yet
  bool receipt_published = false;
  int64_t last_progress_us = 0;
  int64_t timer_due_us = 0;     ///< when the armed tick is due (0: none armed)
  bool leave_requested = false; ///< the node leaves: hand the job over when possible
  bool handing_over = false;    ///< asked the standby to take over; sends nothing more
  bool handed_over = false;     ///< it did; passes on late outcomes until the grace ends
  /// Took the job over from a live coordinator: commands it had out whose
  /// outcomes it may still pass on.
  std::unordered_set<uint32_t> awaiting_old;
  int64_t takeover_started_us = 0;
  uint64_t old_id = 0;   ///< took over from this coordinator (actor id) ...
  caf::node_id old_node; ///< ... on this node

  /// Result and dead letters, published in order once every outcome is in.
  std::deque<std::pair<std::string, std::string>> outbox; ///< (topic, payload)
  std::string result_payload;
  bool publishing = false;
};

/// `submission`: the job's payload as received (what a standby is sent).
/// `role` standby: `coordinator` is the coordinating actor and `so_far` the
/// outcomes it has replicated.
caf::behavior job_coordinator(caf::stateful_actor<job_coordinator_state>* self,
                              node_context_ptr ctx, caf::actor intake, wire::job_submission job,
                              std::string submission, job_role role, caf::actor coordinator,
                              std::vector<outcome_entry> so_far);

} // namespace shelfwire
