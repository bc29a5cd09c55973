#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/command/outcome.hpp"
#include "runtime/command/priority.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/wire/contract.hpp"

namespace shelfwire::wire {

/// The northbound (producer-facing) payloads, version 1. See docs/northbound.md.
///
/// Submit: `{jobs-prefix}/submit`, QoS 1:
///   {v:1, job:string, commands:[{esl:string, op:string, args:{string:string}}],
///    priority?:"high"|"normal"|"bulk", rate?:number, abort_threshold?:number,
///    abort_min_outcomes?:uint}
/// Result: `{jobs-prefix}/{job}/result`, QoS 1 (see job_result).
/// Rejection of a payload without a usable job id: `{jobs-prefix}/rejected`.

struct job_command {
  esl_mac esl;
  op_kind op = op_kind::ping;
  arg_list args;
};

/// Rollout control limits (docs/northbound.md, "Priority and rollout control").
inline constexpr double min_rate_per_s = 0.001;
inline constexpr double max_rate_per_s = 1'000'000;
inline constexpr uint32_t default_abort_min_outcomes = 10;
inline constexpr uint32_t max_abort_min_outcomes = 1'000'000;

struct job_submission {
  std::string job;
  std::vector<job_command> commands;
  /// `priority`: where the job's commands queue (shards, gateway windows).
  shelfwire::priority prio = shelfwire::priority::normal;
  /// `rate`: commands released to the shards per second, at most; none: unlimited.
  /// In [min_rate_per_s, max_rate_per_s].
  std::optional<double> rate_per_s = std::nullopt;
  /// `abort_threshold`: share of failed outcomes in (0, 1] at which the job's
  /// remaining commands end `aborted`; none: never aborted.
  std::optional<double> abort_threshold = std::nullopt;
  /// `abort_min_outcomes`: outcomes counted before the share applies (>= 1).
  uint32_t abort_min_outcomes = default_abort_min_outcomes;
};

/// A job id must be 1..128 characters of [A-Za-z0-9._:-] (it becomes a topic
/// level). Returns an empty string if valid, else why not.
std::string check_job_id(std::string_view id);

/// Decodes a submission. Errors name the offending key, e.g. "commands[17].esl".
/// A submission with zero commands is valid (its result is immediate).
decoded<job_submission> decode_job(std::string_view bytes, const decode_limits& lim = {});

/// Best effort: the job id of an otherwise invalid submission, if the payload
/// is a map with a valid string `job`. Used to address the error result.
std::optional<std::string> salvage_job_id(std::string_view bytes);

void encode(const job_submission& x, std::string& out);

/// The outcome of one command of a job.
struct command_result {
  esl_mac esl;
  op_kind op = op_kind::ping;
  outcome_status status = outcome_status::failed;
  uint32_t code = 0;        ///< gateway NACK code (0 unless nacked)
  std::optional<gw_mac> gw; ///< last gateway tried, if any
  uint32_t attempts = 0;    ///< actions published for this command
  uint64_t latency_us = 0;  ///< accepted -> outcome
  std::string reason;       ///< short machine word for non-acked ends ("no_fresh_route", ...)
  /// First dispatch -> the deciding gateway reply (acked/nacked only): the
  /// command actor's round trip through routers and gateway.
  std::optional<uint64_t> backbone_us;
};

/// {v:1, job, node, status:"done"|"rejected", error?:string,
///  counts:{acked:n, nacked:n, ..., aborted:n} (`aborted` may be absent when reading: 0),
///  outcomes:[{esl, op, status, code, gw, attempts, latency_us, reason, backbone_us?}]}
struct job_result {
  std::string job;
  std::string node;      ///< which node coordinated the job
  bool rejected = false; ///< true: `error` says why; no command was accepted
  std::string error;
  std::vector<command_result> outcomes; ///< one per submitted command, in order

  /// Number of outcomes per status, indexed by outcome_status.
  std::array<uint64_t, outcome_status_count> counts() const;
};

void encode(const job_result& x, std::string& out);
decoded<job_result> decode_job_result(std::string_view bytes, const decode_limits& lim = {});

/// Published on `{jobs-prefix}/rejected` for payloads that carry no usable
/// job id: {v:1, node, error, detail}.
struct job_rejection {
  std::string node;
  std::string error;
  std::string detail;
};

void encode(const job_rejection& x, std::string& out);
decoded<job_rejection> decode_job_rejection(std::string_view bytes, const decode_limits& lim = {});

} // namespace shelfwire::wire
