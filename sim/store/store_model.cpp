#include "sim/store/store_model.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace shelfwire::sim {

gw_mac store_model::gateway_mac(int store, int index) {
  return gw_mac::from_u64(0xAA0000000000ull + (static_cast<uint64_t>(store) << 16) +
                          static_cast<uint64_t>(index));
}

esl_mac store_model::esl_mac_of(int store, int index) {
  return esl_mac::from_u64(0xE50000000000ull + (static_cast<uint64_t>(store) << 24) +
                           static_cast<uint64_t>(index));
}

store_model::store_model(const store_params& p)
    : p_(p) {
  std::mt19937_64 rng{p.seed};
  std::uniform_real_distribution<double> ux{0.0, p.width_m};
  std::uniform_real_distribution<double> uy{0.0, p.depth_m};
  // Gateways on a grid with the floor's aspect ratio.
  auto n = std::max(1, p.gateways_per_store);
  auto cols = std::max(1, static_cast<int>(std::lround(std::sqrt(n * p.width_m / p.depth_m))));
  auto rows = (n + cols - 1) / cols;
  for (int s = 0; s < p.stores; ++s) {
    for (int g = 0; g < n; ++g) {
      placed_gateway pg;
      pg.gw = gateway_mac(s, g);
      pg.store = s;
      pg.x = (g % cols + 0.5) * p.width_m / cols;
      pg.y = (g / cols + 0.5) * p.depth_m / rows;
      gateways_.push_back(pg);
    }
    for (int i = 0; i < p.esls_per_store; ++i) {
      placed_esl e;
      e.esl = esl_mac_of(s, i);
      e.store = s;
      e.x = ux(rng);
      e.y = uy(rng);
      hear(e);
      index_.emplace(e.esl, esls_.size());
      esls_.push_back(std::move(e));
    }
  }
}

void store_model::hear(placed_esl& e) const {
  e.heard_by.clear();
  std::vector<std::pair<double, gw_mac>> all;
  for (auto& g : gateways_) {
    if (g.store != e.store)
      continue;
    auto d = std::max(1.0, std::hypot(g.x - e.x, g.y - e.y));
    all.emplace_back(p_.tx_power_dbm - 10.0 * p_.path_loss_exponent * std::log10(d), g.gw);
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (size_t k = 0; k < all.size() && k < static_cast<size_t>(std::max(1, p_.max_hearers)); ++k) {
    if (k > 0 && all[k].first < p_.sensitivity_dbm)
      break; // the nearest gateway always hears it: every ESL is routable
    e.heard_by.emplace_back(all[k].second, static_cast<int32_t>(std::lround(all[k].first)));
  }
}

std::optional<gw_mac> store_model::best_gateway(esl_mac esl) const {
  auto i = index_.find(esl);
  if (i == index_.end() || esls_[i->second].heard_by.empty())
    return std::nullopt;
  return esls_[i->second].heard_by.front().first;
}

const std::vector<std::pair<gw_mac, int32_t>>& store_model::move(size_t i, std::mt19937_64& rng) {
  auto& e = esls_.at(i);
  e.x = std::uniform_real_distribution<double>{0.0, p_.width_m}(rng);
  e.y = std::uniform_real_distribution<double>{0.0, p_.depth_m}(rng);
  hear(e);
  return e.heard_by;
}

} // namespace shelfwire::sim
