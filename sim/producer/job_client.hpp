#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "runtime/wire/job_notices.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire::sim {

/// A northbound producer: submits jobs on `{prefix}/submit` and collects
/// their results from `{prefix}/+/result` (and rejections from
/// `{prefix}/rejected`), receipts (`{prefix}/+/accepted`) and dead letters.
/// Thread-safe. Used by tests, the demo and the
/// simulator's producers.
class job_client {
public:
  /// `notices`: also subscribe to receipts and dead letters (wait_receipt,
  /// receipts, dead_letters); producers that only need results leave them
  /// off, so the broker does not deliver them (a receipt per job is a
  /// message per job more).
  job_client(mqtt::client_options mqtt, std::string topic_prefix, metrics::registry& reg,
             bool notices = true);
  ~job_client();
  job_client(const job_client&) = delete;
  job_client& operator=(const job_client&) = delete;

  /// Hands every result to `fn` on paho's receive thread instead of keeping
  /// it for wait_result / wait_any_result: event-driven producers need no
  /// thread per job. `fn` must not block (it may submit). Set before start().
  void on_result(std::function<void(wire::job_result&&)> fn);

  bool start();
  bool wait_ready(std::chrono::milliseconds timeout);
  void stop();

  /// Publishes a job (QoS 1). False if not connected.
  bool submit(const wire::job_submission& job);
  /// Publishes raw bytes on the submit topic (malformed-job tests).
  bool submit_raw(const std::string& payload);

  /// The result of a job, waiting up to `timeout`. Each result is kept
  /// until taken; a second result for the same job is counted.
  std::optional<wire::job_result> wait_result(const std::string& job,
                                              std::chrono::milliseconds timeout);
  /// Any result not taken yet (open-loop producers), waiting up to `timeout`.
  std::optional<wire::job_result> wait_any_result(std::chrono::milliseconds timeout);
  /// Waits for the next payload on `{prefix}/rejected`.
  std::optional<wire::job_rejection> wait_rejection(std::chrono::milliseconds timeout);

  /// The latest receipt of `job` once `count` of them arrived, waiting up
  /// to `timeout`.
  std::optional<wire::job_receipt>
  wait_receipt(const std::string& job, std::chrono::milliseconds timeout, size_t count = 1);
  /// Receipts received for `job`.
  size_t receipts(const std::string& job) const;
  /// Waits until `count` results of `job` arrived (including ones taken).
  bool wait_results_of(const std::string& job, uint64_t count, std::chrono::milliseconds timeout);
  /// Dead letters received for `job`.
  uint64_t dead_letters(const std::string& job) const;

  /// Results received in total, results that arrived for a job already
  /// seen (should stay 0), payloads on the result topics that did not decode.
  uint64_t results_received() const;
  uint64_t duplicate_results() const;
  uint64_t undecodable_results() const;

  /// Sends an arbitrary message on a topic (tests).
  bool publish(const std::string& topic, const std::string& payload, int qos);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A job of `n` commands, one per ESL in `esls` (cycled), op `op`.
wire::job_submission make_job(std::string id, const std::vector<esl_mac>& esls, size_t n,
                              wire::op_kind op = wire::op_kind::price);

} // namespace shelfwire::sim
