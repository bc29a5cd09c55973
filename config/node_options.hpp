#pragma once

#include <cstdint>
#include <string>

#include "actors/cluster/cluster_options.hpp"
#include "actors/command/command_options.hpp"
#include "actors/gateway/gateway_options.hpp"
#include "actors/inspect/inspect_options.hpp"
#include "actors/intake/intake_options.hpp"
#include "actors/router/router_options.hpp"
#include "actors/status/status_options.hpp"
#include "runtime/log/log_options.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "runtime/redis/connection_options.hpp"
#include "runtime/routing/route_table_options.hpp"

namespace shelfwire {

/// Everything a node is configured with: one options struct per component.
/// Filled by config::load_node_config; every key is documented in
/// config/shelfwire.ini and docs/configuration.md.
struct node_options {
  /// `node.name`: identifies the node in logs, metrics and results.
  /// Empty: "<hostname>-<pid>".
  std::string name;
  /// `node.drain-timeout-ms`: on SIGTERM, how long in-flight commands may
  /// finish before they end `failed` (reason "shutdown").
  int64_t drain_timeout_ms = 5'000;

  /// `scheduler.threads`: CAF scheduler threads; 0 = half the cores, at least 1.
  int scheduler_threads = 0;
  /// `scheduler.policy`: "stealing" or "sharing".
  std::string scheduler_policy = "sharing";

  /// `metrics.interval-ms`: log (and publish) a metrics snapshot this often; 0 = never.
  int64_t metrics_interval_ms = 10'000;
  /// `metrics.topic`: snapshots are published as JSON on `{topic}/{node}`
  /// (QoS 0, retained; cleared at a clean exit); empty = do not publish.
  std::string metrics_topic = "shelfwire/metrics";
  /// `metrics.listen`: "host:port" of the node's HTTP endpoint (/metrics,
  /// /healthz, /readyz); empty = no endpoint (docs/operations.md).
  std::string metrics_listen;
  /// `metrics.token`: every request to the endpoint must carry
  /// "Authorization: Bearer {token}"; empty: no token asked (only on loopback,
  /// or with metrics.insecure).
  std::string metrics_token;
  /// `metrics.insecure`: allow an endpoint beyond loopback without a token.
  bool metrics_insecure = false;
  /// `presence.topic`: the node announces itself on `{topic}/{node}`
  /// (retained; "offline" by its MQTT last will when it dies); empty = no
  /// presence.
  std::string presence_topic = "shelfwire/nodes";

  log::log_options log;
  /// `mqtt.*`: the base options of every MQTT connection of the node (each
  /// connection gets a client id `{mqtt.client-id-prefix}-{node}-{role}`).
  mqtt::client_options mqtt;
  /// `mqtt.client-id-prefix`.
  std::string mqtt_client_id_prefix = "shelfwire";
  redis::connection_options redis;
  routing::route_table_options route_table;
  gateway_options gateway;
  status_options routing;
  router_options routers;
  command_options commands;
  intake_options intake;
  cluster_options cluster;
  inspect_options inspect;
};

} // namespace shelfwire
