#pragma once

// One scenario run's state and its phases. run_scenario (runner.cpp) calls
// the phases in order; each file holds one part of the run:
//   cluster_setup.cpp  servers, the broker's ceiling, the metrics watch, nodes
//   store_setup.cpp    the store(s), the emulated gateways, RSSI convergence
//   load.cpp           the producer modes, events (outage, moving ESLs), progress
//   runner.cpp         the order of the phases, the counters at the end, stopping
//   report.cpp         the summary table and the JSON report

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/harness/process.hpp"
#include "sim/harness/servers.hpp"
#include "sim/harness/thread_stats.hpp"
#include "sim/runner/metrics_watch.hpp"
#include "sim/runner/outcome_collector.hpp"
#include "sim/runner/presence_watch.hpp"
#include "sim/runner/runner.hpp"
#include "sim/runner/scenario.hpp"
#include "sim/store/store_model.hpp"

namespace shelfwire::sim {

/// Everything the run started, stopped in reverse order by the destructor.
struct environment {
  std::unique_ptr<mosquitto_server> broker;
  std::unique_ptr<redis_server> redis;
  temp_dir dir;
  std::vector<child_process> nodes;
  std::vector<std::string> node_names;
};

/// CPU seconds used so far by each part of the run.
struct cpu_sample {
  double sim = 0, nodes = 0, broker = 0, redis = 0;
  std::vector<std::map<int, thread_sample>> node_threads; ///< per node process
};

cpu_sample cpu_now(const environment& env);

/// MQTT options of the simulator's own clients (watch, gateways, producer).
mqtt::client_options client_opts(const std::string& url, const std::string& id);

/// The state of one run, filled in by its phases. Members are declared in
/// the order the phases create them, so an early end destroys them in
/// reverse: the emulator before the metrics watch, both before the servers
/// and node processes (`env`).
struct run_state {
  run_state(const scenario& s, std::ostream& o, const run_control& c);

  const scenario& sc;
  std::ostream& out;
  const run_control& ctl;
  run_report rep;
  environment env;
  // start_servers
  std::string url;
  std::string redis_host;
  int64_t redis_port = 0;
  // watch_metrics
  metrics::registry reg;
  std::optional<metrics_watch> watch;
  std::optional<presence_watch> presence; ///< unless cluster.presence-topic is empty
  // build_store
  std::unique_ptr<store_model> model; ///< floor model; moving ESLs change it (model_mtx)
  std::mutex model_mtx;
  emulator_options eo;
  outcome_collector col{rep};
  std::vector<esl_mac> esls; ///< every ESL of every store, in store order
  // start_emulators
  std::optional<gateway_emulator> emu;
  gateway_behavior behavior;        ///< every gateway's
  gateway_behavior legacy_behavior; ///< the first gateway.legacy-gateways of each store
  // drive_load
  cpu_sample cpu0;                     ///< when the load began
  std::map<std::string, int64_t> base; ///< the nodes' counters when the load began
  std::chrono::steady_clock::time_point load_start;
  int64_t radio_load_start_us = 0; ///< the emulator's radio clock when the load began
  int64_t kill_wall_ms = 0;        ///< wall clock of cluster.kill-node-at-ms's kill; 0: none

  /// Waits for `pred` up to `timeout`, or until a stop request; true only if
  /// `pred` held and no stop was requested.
  bool wait_or_stop(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  /// Marks the report as ended by a stop request before the load began.
  void interrupted();
  /// A counter summed over the nodes, minus its value when the load began.
  int64_t delta(const std::string& counter) const;
  /// Milliseconds since the load began.
  int64_t load_elapsed_ms() const;
};

// The phases, in the order run_scenario calls them. Those returning bool end
// the run when false (the report says why).

/// Starts mosquitto and redis-server unless the scenario names running ones.
void start_servers(run_state& r);
/// report.ceiling: the bare broker's request/reply ceiling, before anything
/// else uses the broker.
void measure_broker_ceiling(run_state& r);
/// Subscribes to the nodes' metrics snapshots and their presence.
void watch_metrics(run_state& r);
/// Starts cluster.nodes node processes; the first is the seed of the others.
void start_nodes(run_state& r);
/// Until every node sees the whole cluster (a running cluster: publishes metrics).
bool wait_for_cluster(run_state& r);
/// The store model(s): gateways, ESLs, who hears whom, the ground truth.
void build_store(run_state& r);
/// The emulated gateways with the scenario's behaviour, connected.
void start_emulators(run_state& r);
/// The gateways advertise; until the RSSI table has every advert.
bool wait_for_routes(run_state& r);
/// The producer per producer.mode, with events and progress, until every
/// task ended (or a stop request); sets cpu0, base, load_start, rep.seconds.
void drive_load(run_state& r);
/// Outcomes, latencies, CPU and the nodes' counters into the report.
void collect_results(run_state& r);
/// The emulator's radio counters, per-gateway actions, completion and the
/// radio bound into the report (radio_results.cpp).
void collect_radio_results(run_state& r);
/// Stops the gateways and the nodes (they drain); the servers stop with `env`.
void stop_everything(run_state& r);
/// Each node's presence as the broker holds it once the nodes stopped (and
/// the killed one's will came), and how long after the kill the broker
/// published that will (presence_results.cpp).
void collect_presence(run_state& r);

} // namespace shelfwire::sim
