#pragma once

#include <cstdint>
#include <string>

namespace shelfwire {

/// The northbound side: job intake and results. Keys `intake.*`.
struct intake_options {
  /// Take jobs on this node.
  bool enabled = true;
  /// Jobs arrive on `{prefix}/submit`, results leave on `{prefix}/{job}/result`,
  /// unaddressable rejections on `{prefix}/rejected`.
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
};

} // namespace shelfwire
