// The simulator's radio bound (sim/runner/radio_bound): the capacity bound
// by bisection and max-flow against brute force, and the release-time part.

#include <catch2/catch.hpp>

#include <random>

#include "sim/runner/radio_bound.hpp"

using namespace shelfwire::sim;

namespace {

/// The exact bound by Hall's condition: max over gateway sets S of the work
/// only S can do, over the capacity of S.
double brute_force(const std::map<std::vector<uint32_t>, double>& groups, size_t gateways,
                   uint32_t slots) {
  double best = 0;
  for (uint32_t mask = 1; mask < (1u << gateways); ++mask) {
    double work = 0;
    for (auto& [set, w] : groups) {
      bool inside = !set.empty();
      for (auto g : set)
        inside = inside && (mask >> g & 1u);
      if (inside)
        work += w;
    }
    best = std::max(best, work / (slots * static_cast<double>(__builtin_popcount(mask))));
  }
  return best;
}

} // namespace

TEST_CASE("radio bound: shared coverage balances, exclusive coverage does not", "[sim][bound]") {
  // 100 s of work heard by all 4 gateways of 2 slots: 100 / 8.
  CHECK(capacity_bound({{{0, 1, 2, 3}, 100.0}}, 4, 2) == Approx(12.5).epsilon(1e-6));
  // Each gateway alone for its ESLs: the busiest decides.
  CHECK(capacity_bound({{{0}, 10.0}, {{1}, 30.0}, {{2}, 20.0}}, 3, 1) == Approx(30).epsilon(1e-6));
  // Gateway 0 overloaded, but half of its ESLs are also heard by 1.
  CHECK(capacity_bound({{{0}, 30.0}, {{0, 1}, 30.0}}, 2, 1) == Approx(30).epsilon(1e-6));
  CHECK(capacity_bound({{{0}, 10.0}, {{0, 1}, 30.0}}, 2, 1) == Approx(20).epsilon(1e-6));
  CHECK(capacity_bound({}, 3, 1) == 0);
}

TEST_CASE("radio bound: bisection with max-flow matches brute force on random coverage",
          "[sim][bound]") {
  std::mt19937_64 rng{42};
  for (int round = 0; round < 60; ++round) {
    size_t gateways = 2 + rng() % 7;
    uint32_t slots = 1 + static_cast<uint32_t>(rng() % 8);
    std::map<std::vector<uint32_t>, double> groups;
    for (int k = 0; k < 12; ++k) {
      std::vector<uint32_t> set;
      auto n = 1 + rng() % 3;
      for (size_t j = 0; j < n; ++j)
        set.push_back(static_cast<uint32_t>(rng() % gateways));
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      groups[set] += 1.0 + static_cast<double>(rng() % 1000);
    }
    INFO("round " << round);
    CHECK(capacity_bound(groups, gateways, slots) ==
          Approx(brute_force(groups, gateways, slots)).epsilon(1e-6));
  }
}

TEST_CASE("radio bound: ESLs grouped by hearer set, counted per number of hearers",
          "[sim][bound]") {
  std::vector<bound_esl> esls;
  for (uint32_t i = 0; i < 90; ++i)
    esls.push_back({i % 3 == 0 ? std::vector<uint32_t>{0} : std::vector<uint32_t>{1, 0}, 1.5, 0});
  auto r = radio_bound(esls, 2, 4, 1.0);
  CHECK(r.groups == 2); // {0} and {0,1} (hearer order does not matter)
  CHECK(r.hearers_per_esl[1] == 30);
  CHECK(r.hearers_per_esl[2] == 60);
  CHECK(r.capacity_s == Approx(90 * 1.5 / 8).epsilon(1e-6));
  CHECK(r.release_s == 0);
  CHECK(r.bound_s == Approx(r.capacity_s));
  // A single short job: one transmission at least.
  auto one = radio_bound({{{0, 1}, 1.5, 0}}, 2, 8, 1.0);
  CHECK(one.bound_s == Approx(1.0));
}

TEST_CASE("radio bound: release times (check-ins) add what cannot be avoided", "[sim][bound]") {
  // Light load: 10 ESLs, 1 s each, 10 slots; the last wakes at 19 s.
  std::vector<bound_esl> light;
  for (uint32_t i = 0; i < 10; ++i)
    light.push_back({{0}, 1.0, 2.0 * i + 1});
  auto l = radio_bound(light, 1, 10, 0.5);
  CHECK(l.capacity_s == Approx(1.0).epsilon(1e-6));
  CHECK(l.release_s == Approx(19.5).epsilon(1e-6)); // last release + shortest transmission
  CHECK(l.bound_s == Approx(19.5).epsilon(1e-6));
  // Heavy load: the releases matter little against the capacity bound, and
  // the bound never drops below it.
  std::vector<bound_esl> heavy;
  for (uint32_t i = 0; i < 1000; ++i)
    heavy.push_back({{i % 2, (i + 1) % 3}, 1.5, static_cast<double>(i % 20)});
  auto h = radio_bound(heavy, 3, 2, 1.0);
  CHECK(h.bound_s >= h.capacity_s);
  CHECK(h.release_s >= h.capacity_s); // tau = 0 is one of the thresholds
  CHECK(h.release_s <= h.capacity_s + 20.0);
  // Half of the work released at 100 s on one gateway of 1 slot: at least 100 + 50.
  std::vector<bound_esl> late;
  for (uint32_t i = 0; i < 100; ++i)
    late.push_back({{0}, 1.0, i < 50 ? 0.0 : 100.0});
  auto t = radio_bound(late, 1, 1, 1.0);
  CHECK(t.capacity_s == Approx(100).epsilon(1e-6));
  CHECK(t.release_s == Approx(150).epsilon(1e-6));
}
