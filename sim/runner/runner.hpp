#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "runtime/metrics/histogram.hpp"
#include "sim/runner/scenario.hpp"

namespace shelfwire::sim {

/// What a scenario run measured.
struct run_report {
  std::string scenario;
  uint64_t tasks = 0;
  uint64_t tasks_lost = 0;            ///< no result within producer.task-timeout-ms
  uint64_t commands = 0;              ///< submitted
  std::array<uint64_t, 6> outcomes{}; ///< by outcome_status
  uint64_t lost = 0;                  ///< commands submitted minus outcomes received: must be 0
  uint64_t rejected_tasks = 0;        ///< results with an error instead of outcomes
  double seconds = 0;
  double throughput_cps = 0;                      ///< outcomes per second
  metrics::histogram_snapshot task_latency_us;    ///< submit -> result, per task
  metrics::histogram_snapshot command_latency_us; ///< node-side accepted -> outcome
  int64_t duplicates_dropped = 0;
  int64_t malformed = 0;
  int nodes_failed_to_stop = 0; ///< nodes that did not exit 0 on SIGTERM
};

/// Runs a scenario end to end: starts what it needs (broker, Redis, node
/// processes, emulated gateways), drives the load, prints progress to `out`,
/// stops everything it started and returns the report.
run_report run_scenario(const scenario& sc, std::ostream& out);

/// The console summary table.
void print_summary(const run_report& r, std::ostream& out);

/// The JSON report (docs: sim/README.md).
std::string report_json(const run_report& r);

} // namespace shelfwire::sim
