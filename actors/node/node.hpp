#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/node_options.hpp"
#include "runtime/metrics/registry.hpp"

namespace shelfwire {

/// One shelfwire node: a CAF actor system with its MQTT and Redis ports and
/// every actor of the data path (gateway -> router -> command actor ->
/// outcome). CAF-free on the outside, so that `main` and tests can hold a
/// node without compiling CAF.
///
///   intake ─► job_coordinator ─► command_supervisor[shard] ─► command actor
///                                     ▲                         │ ask
///   response_ingress ─────────────────┘                     router pool ─► route_lookup (Redis)
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

  const std::string& name() const;
  uint64_t incarnation() const;
  metrics::registry& metrics();

  /// The JSON metrics snapshot (what `metrics.topic` carries).
  std::string metrics_json() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire
