#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/node/node_context.hpp"

namespace shelfwire {

namespace mqtt {
class client;
}

/// The node's HTTP endpoint (`metrics.listen`, off by default):
///
/// - `/metrics`: every catalog metric in Prometheus text format: the
///   registry, plus what is computed at scrape time (per-gateway windows and
///   breakers, actors by kind and router mailboxes from the inspector's node
///   view, readiness, node info).
/// - `/healthz`: 200 while the process runs.
/// - `/readyz`: 200 while ready (actors/node/readiness.hpp), else 503; the
///   JSON body names what is missing. Redis is asked with a PING on its own
///   connection ("redis.probe").
///
/// `metrics.token`: every path asks for it (Bearer). Runs on civetweb's
/// threads (runtime/http); reads the registry, the gateway windows and the
/// cluster view (all thread-safe) and asks the inspector with a scoped actor.
class ops_endpoint {
public:
  ops_endpoint(node_context_ptr ctx, caf::actor_system& sys, caf::actor inspector);
  ~ops_endpoint();
  ops_endpoint(const ops_endpoint&) = delete;
  ops_endpoint& operator=(const ops_endpoint&) = delete;

  /// Readiness watches these connections (role, client).
  void watch(std::string role, std::shared_ptr<mqtt::client> c);

  /// Listens on metrics.listen; "" or why not (the key is named).
  std::string start();
  uint16_t port() const;

  /// From now on /readyz answers 503 (node: stopping).
  void stopping();
  /// Stops listening. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire
