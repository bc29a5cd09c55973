#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/node_options.hpp"
#include "runtime/command/outcome.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire {

/// The end of one command submitted in-process with node::submit.
struct local_outcome {
  esl_mac esl;
  outcome_status status = outcome_status::failed;
  uint32_t code = 0;
  uint32_t attempts = 0;
  std::optional<gw_mac> gw;
  std::string reason;
  int64_t latency_us = 0;   ///< accepted by the supervisor -> outcome
  int64_t backbone_us = -1; ///< first dispatch -> deciding reply (acked/nacked)
};

using outcome_callback = std::function<void(const local_outcome&)>;

/// One shelfwire node: a CAF actor system with its MQTT and Redis ports and
/// every actor of the data path (gateway -> router -> command actor ->
/// outcome). CAF-free on the outside, so that `main` and tests can hold a
/// node without compiling CAF.
///
///   intake ─► job_coordinator ─► command_supervisor[shard] ─► command actor
///                                     ▲                         │ ask
///   response_ingress ─────────────────┘                     router pool ─► RSSI table (Redis)
///   (gateway replies)                                            │ publish action (MQTT)
///   status_consumer ─► RSSI table (Redis)
class node {
public:
  explicit node(node_options opts);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Starts the actor system, the ports and the actors. The MQTT and Redis
  /// connections come up in the background (and come back after outages).
  /// Returns an empty string, or why the node could not start.
  std::string start();

  /// Blocks until every MQTT connection is up and subscribed, or `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout);

  /// Graceful stop: takes no new jobs, lets in-flight commands finish for up
  /// to `node.drain-timeout-ms`, ends the rest `failed` ("shutdown"),
  /// publishes every job's result, then stops. Idempotent.
  void stop();

  /// Submits one command in-process, bypassing the MQTT intake (embedding,
  /// benchmarks). `done` runs exactly once, on a CAF scheduler thread: keep
  /// it short. Only while the node is started.
  void submit(const wire::job_command& cmd, outcome_callback done);

  const std::string& name() const;
  uint64_t incarnation() const;
  metrics::registry& metrics();

  /// The port of the HTTP endpoint (metrics.listen), 0 without one.
  uint16_t metrics_port() const;

  /// The JSON metrics snapshot (what `metrics.topic` carries).
  std::string metrics_json() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire
