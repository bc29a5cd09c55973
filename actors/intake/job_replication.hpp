#pragma once

// The parts of a job_coordinator, shared by its two files:
// job_coordinator.cpp (dispatch, outcomes, result) and job_replication.cpp
// (receipt, standby, batches, takeover, handover). Not for other actors.

#include <string>
#include <string_view>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/intake/job_coordinator.hpp"

namespace shelfwire {

using job_self = caf::stateful_actor<job_coordinator_state>*;

// -- job_coordinator.cpp --------------------------------------------------------

/// `{prefix}/{job}/{what}`.
std::string job_topic(const job_coordinator_state& st, std::string_view what);
/// Records an outcome (first one per index wins). False: had one already.
bool record_outcome(job_self self, uint32_t index, const command_report& rep);
/// Quits, dropping the monitors it holds on long-lived actors (shards, peer).
void quit_job(job_self self);
/// Sends commands until the dispatch window is full (coordinator, dispatching).
void fill_window(job_self self);
/// Every outcome is in: replicate, then publish the dead letters and the result.
void finish_job(job_self self);
/// Command `index` of the job, with the job's priority.
command_spec spec_of(const job_coordinator_state& st, size_t index);
/// The job passed its abort threshold: stop sending, tell the shards, end
/// `aborted` what was never sent (again for commands that came back since).
void abort_job(job_self self);

// -- job_replication.cpp --------------------------------------------------------

/// Asks the next member in the job's rendezvous order to hold a copy; starts
/// dispatching (and publishes the receipt) when it does, or when there is
/// no member left to ask.
void choose_standby(job_self self);
/// Standby role: monitors the coordinator it holds the copy for.
void watch_coordinator(job_self self, caf::actor coordinator);
/// Sends the outcomes recorded since the last batch to the standby.
void replicate_outcomes(job_self self);
/// Standby role: a batch from the coordinator.
void take_replica(job_self self, const std::vector<outcome_entry>& batch);
/// Standby role: the coordinator published the result.
void standby_done(job_self self, std::string result);
/// Standby role: becomes the coordinator. `outstanding`: in a handover, the
/// commands the old coordinator had at shards (it passes on their late
/// outcomes for a while).
void take_over(job_self self, const char* why, const std::vector<uint32_t>& outstanding);
/// After a handover: stop waiting for the old coordinator's late outcomes:
/// rebind the shards once more, then send again what nobody holds.
void stop_awaiting_old(job_self self);
void resend_awaited(job_self self);
/// The node leaves: a coordinator hands the job to its standby (and stays
/// for a grace period to pass on late outcomes), a standby quits.
void leave(job_self self);
/// The node leaves: asks the standby to take the job over; on its answer
/// the job is its, else coordinating goes on with another standby.
void hand_over(job_self self);
/// After a handover: an outcome a shard sent here goes to the new coordinator.
void pass_on(job_self self, uint32_t index, command_report rep);
/// Publishes `{prefix}/{job}/accepted`.
void publish_receipt(job_self self);
/// The periodic replication tick.
void on_flush(job_self self);
/// Publishes `{prefix}/{job}/progress` if the last one is older than
/// `intake.progress-interval-ms` (the intake asks every second).
void publish_progress(job_self self);
/// A monitored actor went down: the peer, or a shard (coordinator role).
void on_down(job_self self, const caf::down_msg& dm);

} // namespace shelfwire
