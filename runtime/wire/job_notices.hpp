#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/command/outcome.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/wire/contract.hpp"

namespace shelfwire::wire {

/// The northbound notices that accompany a job (version 1, msgpack; see
/// docs/northbound.md): its acceptance receipt, its progress and one dead
/// letter per command that did not end `acked`.

/// `{jobs-prefix}/{job}/accepted`, QoS 1: the cluster holds the job.
/// {v:1, job, node, standby, commands}. Published once the job's commands are
/// held by two members (`standby` names the second), or at once in a cluster
/// of one (`standby` is ""). A resubmission of a job the cluster holds gets
/// this receipt again.
struct job_receipt {
  std::string job;
  std::string node;    ///< the coordinator
  std::string standby; ///< the member that takes over if `node` dies; "" = none
  uint64_t commands = 0;
};

void encode(const job_receipt& x, std::string& out);
decoded<job_receipt> decode_job_receipt(std::string_view bytes, const decode_limits& lim = {});

/// `{jobs-prefix}/{job}/progress`, QoS 0, while a job runs (about once a
/// second): {v:1, job, node, done, total}.
struct job_progress {
  std::string job;
  std::string node;
  uint64_t done = 0; ///< commands with their outcome
  uint64_t total = 0;
};

void encode(const job_progress& x, std::string& out);
decoded<job_progress> decode_job_progress(std::string_view bytes, const decode_limits& lim = {});

/// `{jobs-prefix}/dead-letters`, QoS 1: one per command that ended other
/// than `acked`, published with its job's result.
/// {v:1, job, index, esl, op, status, code, gw (nil if none), attempts, reason}.
struct dead_letter {
  std::string job;
  uint32_t index = 0; ///< the command's place in the job
  esl_mac esl;
  op_kind op = op_kind::ping;
  outcome_status status = outcome_status::failed;
  uint32_t code = 0;
  std::optional<gw_mac> gw;
  uint32_t attempts = 0;
  std::string reason;
};

void encode(const dead_letter& x, std::string& out);
decoded<dead_letter> decode_dead_letter(std::string_view bytes, const decode_limits& lim = {});

} // namespace shelfwire::wire
