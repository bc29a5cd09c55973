// The simulator's store model: floor plan, path loss, ground truth, chains.

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "sim/store/store_model.hpp"

using namespace shelfwire;
using namespace shelfwire::sim;

TEST_CASE("gateways are heard by path loss: nearer is stronger, the nearest always hears",
          "[sim]") {
  store_params p;
  p.gateways_per_store = 12;
  p.esls_per_store = 2'000;
  p.max_hearers = 4;
  p.sensitivity_dbm = -75;
  store_model m{p};
  REQUIRE(m.gateways().size() == 12);
  REQUIRE(m.esls().size() == 2'000);
  for (auto& e : m.esls()) {
    REQUIRE_FALSE(e.heard_by.empty());
    REQUIRE(e.heard_by.size() <= 4);
    for (size_t k = 1; k < e.heard_by.size(); ++k) {
      CHECK(e.heard_by[k - 1].second >= e.heard_by[k].second); // strongest first
      CHECK(e.heard_by[k].second >= -75);                      // only the first may be weaker
    }
    // The best gateway is the nearest one.
    double best_d = 1e18;
    gw_mac nearest;
    for (auto& g : m.gateways()) {
      auto d = std::hypot(g.x - e.x, g.y - e.y);
      if (d < best_d) {
        best_d = d;
        nearest = g.gw;
      }
    }
    CHECK(m.best_gateway(e.esl) == nearest);
    auto expected = -40.0 - 10.0 * 2.7 * std::log10(std::max(best_d, 1.0));
    CHECK(std::abs(e.heard_by.front().second - expected) <= 0.51);
  }
}

TEST_CASE("a chain has distinct MACs per store and stores do not hear each other", "[sim]") {
  store_params p;
  p.stores = 3;
  p.gateways_per_store = 5;
  p.esls_per_store = 300;
  store_model m{p};
  std::set<uint64_t> gws, esls;
  for (auto& g : m.gateways())
    gws.insert(g.gw.value());
  for (auto& e : m.esls()) {
    esls.insert(e.esl.value());
    for (auto& [gw, rssi] : e.heard_by)
      CHECK(gw == store_model::gateway_mac(e.store, static_cast<int>(gw.value() & 0xFFFF)));
  }
  CHECK(gws.size() == 15);
  CHECK(esls.size() == 900);
  CHECK_FALSE(m.best_gateway(esl_mac::from_u64(0x123)));
}

TEST_CASE("the model is deterministic for a seed; a moved ESL's routes follow it", "[sim]") {
  store_params p;
  p.esls_per_store = 500;
  store_model a{p}, b{p};
  for (size_t i = 0; i < a.esls().size(); ++i)
    CHECK(a.esls()[i].heard_by == b.esls()[i].heard_by);
  std::mt19937_64 rng{5};
  size_t changed = 0;
  for (size_t i = 0; i < 100; ++i) {
    auto before = a.best_gateway(a.esls()[i].esl);
    auto& heard = a.move(i, rng);
    REQUIRE_FALSE(heard.empty());
    CHECK(a.best_gateway(a.esls()[i].esl) == heard.front().first);
    changed += before != heard.front().first;
  }
  CHECK(changed > 50); // with 20 gateways, most moves change the best one
}
