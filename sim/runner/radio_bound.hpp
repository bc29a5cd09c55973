#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace shelfwire::sim {

/// One ESL's share of a run, for the radio bound.
struct bound_esl {
  std::vector<uint32_t> hearers; ///< indices of the gateways that hear it
  double work_s = 0;             ///< transmission time it needs (mean per op, summed)
  double release_s = 0;          ///< no transmission for it can start before this
};

struct bound_result {
  /// Capacity alone: the smallest T such that the work can be split over
  /// the hearing gateways (fractionally) with every gateway's share at most
  /// slots x T.
  double capacity_s = 0;
  /// With release times (check-ins): max over thresholds tau of tau + the
  /// capacity bound of the ESLs released at or after tau, and max over ESLs
  /// of release + shortest transmission. 0 without release times.
  double release_s = 0;
  double bound_s = 0;                       ///< the larger of the two
  std::map<size_t, size_t> hearers_per_esl; ///< number of hearers -> ESLs
  size_t groups = 0;                        ///< distinct hearer sets
};

/// A lower bound on the time to transmit every ESL's work through `gateways`
/// gateways of `slots` radio slots each (sim/README.md, "The radio bound").
/// ESLs are grouped by hearer set; the capacity bound is found by bisection
/// on T, each step a max-flow source -> group (its work) -> hearing gateway
/// -> sink (slots x T). `min_tx_s`: the shortest single transmission.
bound_result radio_bound(const std::vector<bound_esl>& esls, size_t gateways, uint32_t slots,
                         double min_tx_s);

/// The capacity bound alone over hearer-set groups (set -> work), for tests.
double capacity_bound(const std::map<std::vector<uint32_t>, double>& groups, size_t gateways,
                      uint32_t slots);

} // namespace shelfwire::sim
