#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/command/outcome.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/wire/contract.hpp"

namespace shelfwire::wire {

/// The northbound (producer-facing) payloads, version 1. See docs/northbound.md.
///
/// Submit: `{jobs-prefix}/submit`, QoS 1:
///   {v:1, job:string, commands:[{esl:string, op:string, args:{string:string}}]}
/// Result: `{jobs-prefix}/{job}/result`, QoS 1 (see job_result).
/// Rejection of a payload without a usable job id: `{jobs-prefix}/rejected`.

struct job_command {
  esl_mac esl;
  op_kind op = op_kind::ping;
  arg_list args;
};

struct job_submission {
  std::string job;
  std::vector<job_command> commands;
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
///  counts:{acked:n, nacked:n, ...}, outcomes:[{esl, op, status, code, gw, attempts,
///  latency_us, reason, backbone_us?}]}
struct job_result {
  std::string job;
  std::string node;      ///< which node coordinated the job
  bool rejected = false; ///< true: `error` says why; no command was accepted
  std::string error;
  std::vector<command_result> outcomes; ///< one per submitted command, in order

  /// Number of outcomes per status, indexed by outcome_status.
  std::array<uint64_t, 6> counts() const;
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
