#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/core/mac.hpp"

namespace shelfwire {

/// How an accepted ESL command ended. Every accepted command ends in exactly
/// one of these, reported once.
enum class outcome_status : uint8_t {
  acked,      ///< a gateway confirmed delivery to the ESL
  nacked,     ///< a gateway refused or failed; `code` says why (docs/gateway-contract.md)
  timed_out,  ///< no answer within the command's deadline or attempt budget
  unroutable, ///< no gateway has heard the ESL recently (no fresh route)
  failed,     ///< the node could not run the command (crash budget, shutdown)
  superseded, ///< a newer command of the same op for the ESL replaced it while waiting
  aborted,    ///< its job passed its abort threshold before the command started: never sent
};

/// How many outcome statuses there are: size arrays indexed by outcome_status with this.
inline constexpr size_t outcome_status_count = 7;

inline constexpr outcome_status all_outcome_statuses[] = {
    outcome_status::acked,      outcome_status::nacked, outcome_status::timed_out,
    outcome_status::unroutable, outcome_status::failed, outcome_status::superseded,
    outcome_status::aborted,
};
static_assert(std::size(all_outcome_statuses) == outcome_status_count);

constexpr std::string_view to_string(outcome_status s) {
  switch (s) {
  case outcome_status::acked:
    return "acked";
  case outcome_status::nacked:
    return "nacked";
  case outcome_status::timed_out:
    return "timed_out";
  case outcome_status::unroutable:
    return "unroutable";
  case outcome_status::failed:
    return "failed";
  case outcome_status::superseded:
    return "superseded";
  case outcome_status::aborted:
    return "aborted";
  }
  return "failed";
}

inline std::optional<outcome_status> parse_outcome_status(std::string_view s) {
  for (auto st : all_outcome_statuses)
    if (to_string(st) == s)
      return st;
  return std::nullopt;
}

/// NACK codes of the gateway contract (the `code` of a response,
/// docs/gateway-contract.md). Other values may appear and are passed through
/// as numbers.
namespace nack_code {
constexpr uint32_t ok = 0;
constexpr uint32_t not_in_range = 1;
constexpr uint32_t busy = 2;
constexpr uint32_t low_battery = 3;
constexpr uint32_t bad_request = 4;
} // namespace nack_code

/// Short machine words explaining an outcome (the `reason` of a result).
namespace outcome_reason {
inline constexpr std::string_view none = "";
inline constexpr std::string_view no_fresh_route = "no_fresh_route"; ///< unroutable
inline constexpr std::string_view table_rebuilding =
    "routing_table_rebuilding"; ///< unroutable: no route by the deadline while Redis' table was
                                ///< rebuilt
inline constexpr std::string_view no_reply = "no_reply"; ///< attempts exhausted, silent
inline constexpr std::string_view no_more_candidates =
    "no_more_candidates";                                ///< all tried, no repeat
inline constexpr std::string_view deadline = "deadline"; ///< overall timeout hit
/// timed_out: every gateway it could use was down (breaker) until the deadline
inline constexpr std::string_view gateway_down = "gateway_down";
/// timed_out: waited for its gateway's window (flow control) until the deadline
inline constexpr std::string_view gateway_window = "gateway_window";
inline constexpr std::string_view routing_unavailable =
    "routing_unavailable"; ///< Redis/broker down until the deadline
inline constexpr std::string_view gateway_nack = "gateway_nack"; ///< nacked
inline constexpr std::string_view crashed = "crashed";           ///< restart budget spent
inline constexpr std::string_view shutdown = "shutdown";         ///< node stopped first
/// The node stopped first while other members run: the submitter sends the
/// command again, to its ESL's new owner (never in a job result).
inline constexpr std::string_view moved = "moved";
inline constexpr std::string_view superseded = "superseded"; ///< newer command, same op
/// aborted: the job's share of failed outcomes reached its `abort_threshold`.
inline constexpr std::string_view abort_threshold = "abort_threshold";
} // namespace outcome_reason

/// The end of one command, as the command actor reports it.
struct command_outcome {
  outcome_status status = outcome_status::failed;
  uint32_t code = 0;        ///< gateway NACK code when nacked
  bool has_gw = false;      ///< whether `gw` is set
  gw_mac gw;                ///< the gateway that answered, else the last one tried
  uint32_t attempts = 0;    ///< actions published
  std::string reason;       ///< one of outcome_reason
  int64_t backbone_us = -1; ///< first dispatch -> deciding reply (acked/nacked only), else -1
};

} // namespace shelfwire
