#pragma once

// shelfwire-submit's conversation with the cluster: connect, subscribe to the
// job's topics, submit (again, while no receipt comes), show progress, wait
// for the result. Runs on the main thread; paho's threads and a signal
// thread only post to its inbox.

#include <cstdint>
#include <string>

#include "actors/intake/cli/report.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/mqtt/client_options.hpp"

namespace shelfwire::submit {

struct session_settings {
  mqtt::client_options mqtt;
  std::string prefix;  ///< topic prefix, "esl/jobs"
  std::string job;     ///< the job id
  std::string payload; ///< the encoded submission
  uint64_t commands = 0;
  int64_t connect_timeout_ms = 5'000;
  int64_t receipt_timeout_ms = 5'000;
  int max_submits = 5;
  int64_t timeout_ms = 600'000;   ///< 0 = forever
  bool show_progress = false;     ///< progress on stderr
  bool progress_in_place = false; ///< stderr is a terminal: rewrite one line
  bool notes = true;              ///< resubmissions, link changes on stderr
  bool verbose = false;           ///< every receipt, undecodable payloads
};

struct session_result {
  /// false: the broker was never reached, or lost before the job was
  /// accepted and not back within the connect timeout (exit 4).
  bool connected = false;
  std::string error;   ///< why, when !connected
  run_summary summary; ///< how it ended (origins left empty)
};

/// Runs the whole conversation. `signals` must have been constructed before
/// any thread was started; SIGINT/SIGTERM end the wait (run_end::interrupted).
session_result run_session(const session_settings& s, stop_signals& signals);

} // namespace shelfwire::submit
