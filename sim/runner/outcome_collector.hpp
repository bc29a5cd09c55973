#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/core/mac.hpp"
#include "runtime/metrics/histogram.hpp"
#include "runtime/wire/jobs.hpp"
#include "sim/runner/runner.hpp"
#include "sim/store/store_model.hpp"

namespace shelfwire::sim {

/// Collects the tasks' results into the run's report: outcomes, latencies,
/// and whether each command went through the gateway the ground truth says
/// hears its ESL best. Thread-safe: results arrive on paho's receive thread
/// and on the task driver's upkeep thread.
struct outcome_collector {
  std::mutex mtx;
  run_report& rep;
  const store_model* model = nullptr; ///< floor model: ground truth (guarded by model_mtx)
  std::mutex* model_mtx = nullptr;
  std::unordered_map<esl_mac, gw_mac> simple_best; ///< simple model: the home gateway
  metrics::histogram backbone;
  metrics::histogram end_to_end;
  std::atomic<uint64_t> tasks_done{0};
  /// When a node was killed (steady clock, 0: none): tasks submitted before
  /// and ended after it measure the failover (rep.failover_recovery_ms).
  std::atomic<int64_t> kill_us{0};
  /// Steady clock: the first submission and the last result (completion_s).
  std::atomic<int64_t> first_submit_us{0};
  std::atomic<int64_t> last_result_us{0};
  /// The urgent job's id (empty: none); its result is reported on its own.
  std::string urgent_job;
  /// An ESL whose command was acked last (the urgent job's target: an ESL
  /// with nothing in flight). Guarded by mtx.
  std::optional<esl_mac> recently_acked;

  explicit outcome_collector(run_report& r)
      : rep(r) {}

  /// The gateway that hears `esl` best, if the store knows the ESL.
  std::optional<gw_mac> best(esl_mac esl);

  /// A task of `commands` commands was submitted.
  void submitted(size_t commands);

  /// A task ended: its result, or nullopt if it was given up on (lost).
  /// `submitted_us` is when it was submitted (steady clock).
  void result(const std::optional<wire::job_result>& res, int64_t submitted_us);

  /// Commands with an outcome so far.
  uint64_t ended();
};

} // namespace shelfwire::sim
