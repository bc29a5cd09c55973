#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/core/mac.hpp"

namespace shelfwire::sim {

/// The floor plan and radio of one or more stores (a chain), the simulator's
/// ground truth: where gateways and ESLs are, and how well each gateway
/// hears each ESL.
///
/// - Gateways sit on a regular grid over the store's floor, ESLs uniformly
///   at random (seeded).
/// - RSSI follows the log-distance path-loss model:
///   rssi(d) = tx_power_dbm - 10 * path_loss_exponent * log10(max(d, 1 m)).
///   Per-advert noise is the emulator's (`emulator_options::rssi_noise_db`).
/// - A gateway hears an ESL if rssi >= sensitivity_dbm; each ESL keeps its
///   `max_hearers` strongest gateways (at least its nearest one).
/// - Stores of a chain have distinct gateway and ESL MACs (the store index is
///   in the MAC) and do not hear each other.
struct store_params {
  int stores = 1;
  int gateways_per_store = 20;
  int esls_per_store = 5'000;
  double width_m = 60;
  double depth_m = 40;
  double tx_power_dbm = -40; ///< RSSI at 1 m
  double path_loss_exponent = 2.7;
  double sensitivity_dbm = -90;
  int max_hearers = 4;
  uint64_t seed = 1;
};

struct placed_esl {
  esl_mac esl;
  int store = 0;
  double x = 0, y = 0;
  std::vector<std::pair<gw_mac, int32_t>> heard_by; ///< strongest first
};

struct placed_gateway {
  gw_mac gw;
  int store = 0;
  double x = 0, y = 0;
};

class store_model {
public:
  explicit store_model(const store_params& p);

  const store_params& params() const { return p_; }
  const std::vector<placed_gateway>& gateways() const { return gateways_; }
  const std::vector<placed_esl>& esls() const { return esls_; }

  /// The gateway that hears `esl` best (noise-free): the ground truth a
  /// routing decision is judged against. Unknown ESL: nullopt.
  std::optional<gw_mac> best_gateway(esl_mac esl) const;

  /// Moves ESL number `i` to a random spot of its store; returns its new
  /// hearers (the caller hands them to the emulator).
  const std::vector<std::pair<gw_mac, int32_t>>& move(size_t i, std::mt19937_64& rng);

  /// MACs: gateway {store}{index} = 0xAA00'0000'0000 + store << 16 + index,
  /// ESL = 0xE500'0000'0000 + store << 24 + index.
  static gw_mac gateway_mac(int store, int index);
  static esl_mac esl_mac_of(int store, int index);

private:
  void hear(placed_esl& e) const;

  store_params p_;
  std::vector<placed_gateway> gateways_;
  std::vector<placed_esl> esls_;
  std::unordered_map<esl_mac, size_t> index_;
};

} // namespace shelfwire::sim
