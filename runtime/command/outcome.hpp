#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shelfwire {

/// How an accepted ESL command ended. Every accepted command ends in exactly
/// one of these, reported once.
enum class outcome_status : uint8_t {
  acked,      ///< a gateway confirmed delivery to the ESL
  nacked,     ///< a gateway refused or failed; `code` says why (brief §3)
  timed_out,  ///< no answer within the command's deadline or attempt budget
  unroutable, ///< no gateway has heard the ESL recently (no fresh route)
  failed,     ///< the node could not run the command (crash budget, shutdown)
  superseded, ///< a newer command of the same op for the ESL replaced it while waiting
};

inline constexpr outcome_status all_outcome_statuses[] = {
  outcome_status::acked,      outcome_status::nacked, outcome_status::timed_out,
  outcome_status::unroutable, outcome_status::failed, outcome_status::superseded,
};

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
  }
  return "failed";
}

inline std::optional<outcome_status> parse_outcome_status(std::string_view s) {
  for (auto st : all_outcome_statuses)
    if (to_string(st) == s)
      return st;
  return std::nullopt;
}

/// NACK codes of the gateway contract (brief §3). Other values may appear and
/// are passed through as numbers.
namespace nack_code {
constexpr uint32_t ok = 0;
constexpr uint32_t not_in_range = 1;
constexpr uint32_t busy = 2;
constexpr uint32_t low_battery = 3;
constexpr uint32_t bad_request = 4;
} // namespace nack_code

} // namespace shelfwire
