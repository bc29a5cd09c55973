#pragma once

#include <cstdint>
#include <string>

namespace shelfwire {

/// The northbound side: job intake and results. Keys `intake.*`.
struct intake_options {
  /// Take job submissions from MQTT on this node. Every member coordinates
  /// the jobs whose home it is and holds standby copies regardless.
  bool enabled = true;
  /// Jobs arrive on `{prefix}/submit`; receipts, progress and results leave
  /// on `{prefix}/{job}/accepted|progress|result`, dead letters on
  /// `{prefix}/dead-letters`, unaddressable rejections on `{prefix}/rejected`.
  std::string topic_prefix = "esl/jobs";
  /// Shared-subscription group for submissions.
  std::string share_group = "shelfwire-intake";
  /// MQTT connections in that group on this node (each has its own paho
  /// threads; they feed the one intake actor).
  int consumers = 1;
  /// A job with more commands is rejected.
  int64_t max_commands_per_job = 100'000;
  /// Jobs are rejected ("overloaded") while this many commands are unfinished.
  int64_t max_pending_commands = 500'000;
  /// Submissions larger than this are rejected.
  int64_t max_payload_bytes = 16 * 1024 * 1024;
  /// Commands of one job handed to supervisors and not yet ended, at most:
  /// later ones are dispatched as earlier ones end, to the owner of the
  /// moment (so a node that joins mid-job takes its share).
  int64_t dispatch_window = 1'000;
  /// Keep each job on a second member (its standby), which takes the job
  /// over if the coordinator dies or leaves. Off: a job is lost with its
  /// coordinator (receipts say standby "").
  bool replication = true;
  /// Outcomes reach the standby in batches at least this often (the most a
  /// takeover may run again: commands whose outcomes were not replicated yet).
  int64_t replication_interval_ms = 50;
  /// How long a member has to take a job's standby role, or to answer
  /// whether it holds a job id, before it is passed over.
  int64_t standby_timeout_ms = 2'000;
  /// Results of finished jobs are kept this long: a resubmission of the id
  /// gets the result again instead of running the job again.
  int64_t result_retention_ms = 600'000;
  /// At most this many bytes of kept results per node (oldest dropped first).
  int64_t result_retention_max_bytes = 64 * 1024 * 1024;
  /// A running job publishes `{prefix}/{job}/progress` this often (0: never;
  /// checked every second, so at most once a second).
  int64_t progress_interval_ms = 1'000;
  /// `intake.rejections-per-s`: rejections published per second at most;
  /// the rest are counted and summarised (bad input cannot make a node
  /// publish one message per message).
  int64_t rejections_per_s = 50;
};

} // namespace shelfwire
