#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/wire/jobs.hpp"
#include "sim/producer/job_client.hpp"
#include "sim/runner/outcome_collector.hpp"
#include "sim/runner/runner.hpp"

namespace shelfwire::sim {

/// Submits tasks and matches their results. Results arrive on paho's
/// receive thread (job_client::on_result); in the closed loop the worker's
/// next task is submitted right there, so a worker is a task in flight, not
/// a thread. One upkeep thread (run_until) retries submissions the broker
/// refused, resubmits (same job id) tasks without a receipt after
/// `resubmit_after_ms` (the producer's side of docs/northbound.md: a
/// submission that reached a node which died before its receipt is resent;
/// 0 = never, the producer then needs no receipts), and gives up on tasks
/// without a result after the task timeout.
class task_driver {
public:
  task_driver(job_client& producer, outcome_collector& col, int64_t task_timeout_ms,
              const run_control& ctl, int64_t resubmit_after_ms = 0);

  /// Submissions sent again for want of a receipt.
  uint64_t resubmitted() const;

  /// Closed loop: what to submit when a task ends (nullopt: nothing left).
  void set_next(std::function<std::optional<wire::job_submission>()> next);

  /// Submits a new task (counted as submitted once, retried while the broker
  /// link is down).
  void submit(wire::job_submission job);

  /// Retries and times out until `total` tasks have ended; after a stop
  /// request, until those submitted have (after an abort: at once, the
  /// tasks in flight given up).
  void run_until(int64_t total);

private:
  void on_result(wire::job_result&& r);
  void submit_next();
  void resubmit_silent(std::unique_lock<std::mutex>& lk, int64_t now);

  /// A task waiting for its result.
  struct pending_task {
    int64_t submitted_us = 0; ///< first submission (the task's latency counts from here)
    int64_t sent_us = 0;      ///< latest (re)submission
    std::optional<wire::job_submission> job; ///< kept for resubmission only
  };

  job_client& producer_;
  outcome_collector& col_;
  int64_t timeout_us_;
  int64_t resubmit_us_;
  std::atomic<uint64_t> resubmitted_{0};
  std::function<std::optional<wire::job_submission>()> next_;
  std::mutex mtx_;
  std::condition_variable cv_;
  const run_control& ctl_;
  std::unordered_map<std::string, pending_task> pending_; ///< by job id
  std::deque<wire::job_submission> unsent_;
  int64_t submitted_ = 0;
  int64_t ended_ = 0; ///< tasks with a result or given up on
};

} // namespace shelfwire::sim
