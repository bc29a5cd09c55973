#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/command/outcome.hpp"
#include "runtime/metrics/histogram.hpp"
#include "sim/harness/ceiling.hpp"
#include "sim/harness/thread_stats.hpp"
#include "sim/runner/scenario.hpp"

namespace shelfwire::sim {

/// What a scenario run measured. The JSON form (report_json) is documented in
/// sim/README.md; its keys are a contract of the simulator.
struct run_report {
  std::string scenario;
  std::string mode;
  int64_t nodes = 0;
  uint64_t tasks = 0;
  uint64_t tasks_lost = 0; ///< no result within producer.task-timeout-ms
  uint64_t tasks_resubmitted =
      0;                       ///< submissions sent again: no receipt in producer.resubmit-after-ms
  uint64_t rejected_tasks = 0; ///< results with an error instead of outcomes
  uint64_t commands = 0;       ///< submitted
  std::array<uint64_t, outcome_status_count> outcomes{}; ///< by outcome_status
  uint64_t lost = 0; ///< commands submitted minus outcomes received: must be 0
  /// Commands that got their outcome.
  uint64_t ended() const { return commands - lost; }
  int64_t duplicates_dropped = 0; ///< duplicate + late gateway replies the nodes dropped
  int64_t malformed = 0;
  int64_t replies_received = 0;
  int64_t cross_node_replies = 0; ///< replies handed to a command on another node
  uint64_t routed = 0;            ///< outcomes that name the gateway used
  uint64_t best_routed = 0;       ///< ... which the ground truth says hears the ESL best
  double best_route_ratio = 0;
  /// The nodes' routing decisions (docs/gateways.md): actions published,
  /// how many load sent to a runner-up within routing.balance-margin-db,
  /// how many passed over a down gateway.
  int64_t node_actions = 0;
  int64_t routing_balanced = 0;
  int64_t routing_avoided_down = 0;
  /// Outcomes by actions published for the command (index 8: 8 or more).
  std::array<uint64_t, 9> attempts{};
  double seconds = 0;
  double throughput_cps = 0; ///< outcomes per second
  /// The thesis' metric: first dispatch -> deciding gateway reply (acked/nacked).
  metrics::histogram_snapshot backbone_us;
  /// Submission of the task -> its result at the producer, per command.
  metrics::histogram_snapshot end_to_end_us;
  std::vector<uint32_t> backbone_samples_us; ///< for the histograms
  std::vector<uint32_t> end_to_end_samples_us;
  ceiling broker_ceiling; ///< when report.ceiling
  double cpu_sim_s = 0, cpu_nodes_s = 0, cpu_broker_s = 0, cpu_redis_s = 0;
  /// The nodes' threads during the load, by thread name, busiest first.
  std::vector<thread_group> node_threads;
  std::vector<std::string> plots; ///< PNG files written
  int nodes_failed_to_stop = 0;   ///< nodes that did not exit 0 on SIGTERM
  std::string killed_node;        ///< cluster.kill-node-at-ms: the node killed, or ""
  /// The last task in flight at the kill got its result this long after it.
  int64_t failover_recovery_ms = 0;
  int64_t jobs_taken_over = 0;  ///< by the survivors (their jobs.taken_over)
  int64_t commands_adopted = 0; ///< found still running at a takeover, not sent again
  /// The killed node's will (offline, lost) reached the broker's subscribers
  /// this long after the kill; -1: not seen (docs/operations.md "Node presence").
  int64_t presence_lost_after_ms = -1;
  /// Each node's presence as the broker holds it at the end (after the stop):
  /// node -> {state, reason}; empty with cluster.presence-topic empty.
  std::map<std::string, std::pair<std::string, std::string>> presence;
  /// First submission -> last result, seconds (gateway time is compressed
  /// by `compression`: at real radio speed this would be about completion_s x
  /// compression).
  double completion_s = 0;
  // Radio physics (gateway.radio-slots > 0); sim/README.md, "Radio".
  bool radio = false;
  int64_t compression = 1;
  /// Lower bound on completion_s from radio capacity and coverage (reprice
  /// mode), in the run's (compressed) seconds; x compression: real seconds.
  double radio_bound_s = 0;
  double radio_capacity_bound_s = 0; ///< its capacity part alone (no check-in waits)
  int64_t actions = 0;               ///< actions the emulated gateways received
  int64_t busy_nacks = 0;            ///< the emulator's busy NACKs (queue full + expired)
  int64_t radio_expired = 0;         ///< ... of which: ttl expired
  int64_t transmissions = 0;
  int64_t peak_queue = 0; ///< most actions waiting at one gateway
  int64_t peak_slots = 0; ///< most slots busy at one gateway at once (<= radio-slots)
  std::map<std::string, uint64_t> gateway_actions; ///< gateway MAC -> actions it received
  std::map<size_t, size_t> hearers_per_esl;        ///< hearers -> ESLs (reprice store)
  /// producer.urgent-at-per-mille: the urgent single-ESL job mid-run.
  double urgent_latency_ms = -1; ///< submitted -> result; -1: none
  std::string urgent_outcome, urgent_gateway, urgent_esl;
  bool external = false;    ///< ran against a cluster it did not start
  bool interrupted = false; ///< a stop request ended the load early
};

/// Stop requests from outside the run (SIGTERM/SIGINT in shelfwire-sim):
/// `stop` submits no new tasks and waits for those in flight; `abort` gives
/// up on those too. Either way everything the run started is stopped.
struct run_control {
  std::atomic<bool> stop{false};
  std::atomic<bool> abort{false};
};

/// Runs a scenario end to end: starts what it needs (broker, Redis, node
/// processes, emulated gateways), drives the load, prints progress to `out`,
/// stops everything it started and returns the report. With `cluster.nodes =
/// 0` it starts no nodes (nor Redis): it drives the running cluster whose
/// broker `cluster.broker-url` names, and counts its metrics as deltas.
run_report run_scenario(const scenario& sc, std::ostream& out, const run_control& ctl);
run_report run_scenario(const scenario& sc, std::ostream& out);

/// The console summary table.
void print_summary(const run_report& r, std::ostream& out);

/// The JSON report (docs: sim/README.md).
std::string report_json(const run_report& r);

/// Draws the latency histograms (PNG, gnuplot) as `{stem}-backbone.png` and
/// `{stem}-end_to_end.png`; records the files in `r.plots`. False (with a
/// message on `out`) if gnuplot is missing or failed.
bool plot_histograms(run_report& r, const std::string& stem, std::ostream& out);

} // namespace shelfwire::sim
