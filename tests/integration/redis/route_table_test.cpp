#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "runtime/metrics/registry.hpp"
#include "runtime/routing/route_table.hpp"
#include "runtime/routing/rssi_rule.hpp"
#include "tests/integration/redis/redis_test_support.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using redis::errc;
using routing::route_table;
using routing::route_table_options;
using candidates = std::vector<std::pair<gw_mac, int32_t>>;

namespace {

route_table_options table_options(std::string prefix = "sw") {
  route_table_options o;
  o.key_prefix = std::move(prefix);
  o.stale_after_ms = 3'600'000;
  o.forget_after_ms = 7'200'000;
  o.max_candidates = 4;
  return o;
}

/// The reference model: the C++ rule (replaces_preferred) plus the pruning
/// the Lua script documents, with every entry fresh (stale_after is huge in
/// the differential test, so time plays no part).
struct model {
  struct esl_state {
    std::optional<gw_mac> preferred;
    std::map<gw_mac, int32_t> rssi;
  };
  int max_candidates;
  uint64_t changes = 0;
  std::map<esl_mac, esl_state> esls;

  void apply(gw_mac g, esl_mac e, int32_t rssi) {
    auto& s = esls[e];
    std::optional<routing::preferred> cur;
    if (s.preferred)
      cur = routing::preferred{*s.preferred, s.rssi.at(*s.preferred), 0};
    if (routing::replaces_preferred(cur, g, rssi, 0, 3'600'000)) {
      if (s.preferred != g)
        ++changes;
      s.preferred = g;
    }
    s.rssi[g] = rssi;
    while (static_cast<int>(s.rssi.size()) > max_candidates) {
      // Drop the weakest non-preferred; ties: the larger MAC goes.
      auto worst = s.rssi.end();
      for (auto it = s.rssi.begin(); it != s.rssi.end(); ++it) {
        if (it->first == *s.preferred)
          continue;
        if (worst == s.rssi.end() || it->second < worst->second ||
            (it->second == worst->second && worst->first < it->first))
          worst = it;
      }
      s.rssi.erase(worst);
    }
  }

  /// What a lookup must return: preferred first, then rssi desc, MAC asc.
  candidates expected(esl_mac e) const {
    candidates out;
    auto it = esls.find(e);
    if (it == esls.end())
      return out;
    auto& s = it->second;
    out.emplace_back(*s.preferred, s.rssi.at(*s.preferred));
    candidates rest;
    for (auto& [g, r] : s.rssi)
      if (g != *s.preferred)
        rest.emplace_back(g, r);
    std::sort(rest.begin(), rest.end(), [](auto& a, auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }
};

} // namespace

TEST_CASE("route table: each case of the rule, against real Redis") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  route_table t{c, table_options()};
  const auto e = esl(1);
  const gw_mac a = gw(0xA), b = gw(0xB), cc = gw(0xC);

  // Unknown ESL: set.
  REQUIRE(t.apply({update(a, {{e, -70}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == a.to_string());
  CHECK(pairs(lookup_one(t, e)) == candidates{{a, -70}});

  // Weaker, other gateway: kept as a runner-up only.
  REQUIRE(t.apply({update(b, {{e, -80}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == a.to_string());
  CHECK(pairs(lookup_one(t, e)) == candidates{{a, -70}, {b, -80}});

  // Equal, other gateway: hysteresis keeps the preferred.
  REQUIRE(t.apply({update(cc, {{e, -70}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == a.to_string());
  CHECK(pairs(lookup_one(t, e)) == candidates{{a, -70}, {cc, -70}, {b, -80}});

  // Strictly stronger: replaces.
  REQUIRE(t.apply({update(b, {{e, -60}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == b.to_string());
  // Runner-ups by rssi, ties by MAC.
  CHECK(pairs(lookup_one(t, e)) == candidates{{b, -60}, {a, -70}, {cc, -70}});

  // Weaker but from the preferred gateway itself: stays preferred, even
  // though the runner-ups are now stronger.
  REQUIRE(t.apply({update(b, {{e, -90}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == b.to_string());
  CHECK(pairs(lookup_one(t, e)) == candidates{{b, -90}, {a, -70}, {cc, -70}});

  // ... until another gateway is stronger than its latest word.
  REQUIRE(t.apply({update(cc, {{e, -85}})}) == errc::ok);
  CHECK(stored_preferred(c, t, e) == cc.to_string());
  CHECK(pairs(lookup_one(t, e)) == candidates{{cc, -85}, {a, -70}, {b, -90}});

  CHECK(t.stats().preferred_changes == 3); // unknown->a, a->b, b->c
  CHECK(t.stats().adverts_applied == 6);
  CHECK(t.stats().server_errors == 0);

  // Unknown ESLs have no candidates; empty inputs are fine.
  auto none = lookup_one(t, esl(999));
  CHECK(none.esl == esl(999));
  CHECK(none.candidates.empty());
  std::vector<routing::route> out;
  CHECK(t.lookup({}, out) == errc::ok);
  CHECK(out.empty());
  CHECK(t.apply({}) == errc::ok);
  CHECK(t.apply({update(a, {})}) == errc::ok);
}

TEST_CASE("route table: the stored data model") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options("store7");
  o.forget_after_ms = 60'000;
  route_table t{c, o};
  const auto e = esl(0xABC);
  REQUIRE(t.apply({update(gw(1), {{e, -55}}), update(gw(2), {{e, -75}})}) == errc::ok);

  CHECK(t.key_of(e) == "store7:rt:E51000000ABC");
  auto h = hgetall(c, t.key_of(e));
  REQUIRE(h.size() == 3);
  CHECK(h["p"] == gw(1).to_string());
  auto v = h["g:" + gw(1).to_string()];
  auto bar = v.find('|');
  REQUIRE(bar != std::string::npos);
  CHECK(v.substr(0, bar) == "-55");
  // seen_ms is Redis' clock: the same machine, so close to ours.
  auto seen = std::stoll(v.substr(bar + 1));
  CHECK(std::llabs(seen - wall_now_ms()) < 10'000);
  CHECK(h["g:" + gw(2).to_string()].substr(0, 4) == "-75|");

  // The key carries the TTL, refreshed by every update.
  auto pttl = integer(c, {"PTTL", t.key_of(e)});
  CHECK(pttl > 50'000);
  CHECK(pttl <= 60'000);
  REQUIRE(integer(c, {"PEXPIRE", t.key_of(e), "1000"}) == 1);
  REQUIRE(t.apply({update(gw(3), {{e, -90}})}) == errc::ok);
  CHECK(integer(c, {"PTTL", t.key_of(e)}) > 50'000);
}

TEST_CASE("route table: runner-ups are sorted and pruned to max_candidates") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options();
  o.max_candidates = 4;
  route_table t{c, o};

  SECTION("the weakest go") {
    const auto e = esl(1);
    for (auto [g, r] : std::vector<std::pair<int, int>>{
             {1, -60}, {2, -50}, {3, -70}, {4, -40}, {5, -80}, {6, -55}})
      REQUIRE(t.apply({update(gw(g), {{e, r}})}) == errc::ok);
    CHECK(pairs(lookup_one(t, e)) ==
          candidates{{gw(4), -40}, {gw(2), -50}, {gw(6), -55}, {gw(1), -60}});
    CHECK(hgetall(c, t.key_of(e)).size() == 5); // p + 4 gateways
  }

  SECTION("the preferred stays even when it is the weakest") {
    const auto e = esl(2);
    REQUIRE(t.apply({update(gw(1), {{e, -50}})}) == errc::ok);
    for (int g = 2; g <= 6; ++g)
      REQUIRE(t.apply({update(gw(g), {{e, -60 + g}})}) == errc::ok);
    REQUIRE(t.apply({update(gw(1), {{e, -99}})}) == errc::ok); // own word: stays
    CHECK(pairs(lookup_one(t, e)) ==
          candidates{{gw(1), -99}, {gw(6), -54}, {gw(5), -55}, {gw(4), -56}});
  }

  SECTION("max_candidates of 1 keeps only the preferred") {
    auto o1 = o;
    o1.max_candidates = 1;
    route_table t1{c, o1};
    const auto e = esl(3);
    REQUIRE(t1.apply({update(gw(1), {{e, -50}}), update(gw(2), {{e, -60}}),
                      update(gw(3), {{e, -40}})}) == errc::ok);
    CHECK(pairs(lookup_one(t1, e)) == candidates{{gw(3), -40}});
    CHECK(hgetall(c, t1.key_of(e)).size() == 2);
  }
}

TEST_CASE("route table: differential test against the C++ rule") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};

  auto run = [&](int max_candidates, int max_keys_per_call, uint32_t seed) {
    auto o = table_options("diff" + std::to_string(seed));
    o.max_candidates = max_candidates;
    o.max_keys_per_call = max_keys_per_call;
    route_table t{c, o};
    model m{max_candidates, 0, {}};
    std::mt19937 rng{seed};
    const int n_esls = 300, n_gws = 10, n_adverts = 30'000;
    std::uniform_int_distribution<int> pick_esl(0, n_esls - 1), pick_gw(0, n_gws - 1),
        pick_rssi(-100, -30), pick_len(1, 60), pick_batch(1, 20);
    int sent = 0;
    while (sent < n_adverts) {
      std::vector<routing::status_update> batch(static_cast<size_t>(pick_batch(rng)));
      for (auto& u : batch) {
        u.gw = gw(static_cast<uint64_t>(pick_gw(rng)));
        int len = pick_len(rng);
        for (int k = 0; k < len; ++k) {
          wire::advert a{esl(static_cast<uint64_t>(pick_esl(rng))), pick_rssi(rng)};
          u.adverts.push_back(a);
          m.apply(u.gw, a.esl, a.rssi);
          ++sent;
        }
      }
      REQUIRE(t.apply(batch) == errc::ok);
    }

    std::vector<esl_mac> all;
    for (int i = 0; i < n_esls; ++i)
      all.push_back(esl(static_cast<uint64_t>(i)));
    std::vector<routing::route> out;
    REQUIRE(t.lookup(all, out) == errc::ok);
    REQUIRE(out.size() == all.size());
    int preferred_mismatch = 0, candidates_mismatch = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      auto want = m.expected(all[i]);
      auto got = pairs(out[i]);
      CHECK(out[i].esl == all[i]);
      std::string want_p = m.esls.count(all[i]) ? m.esls[all[i]].preferred->to_string() : "";
      if (stored_preferred(c, t, all[i]) != want_p)
        ++preferred_mismatch;
      if (got != want) {
        ++candidates_mismatch;
        if (candidates_mismatch <= 3)
          CHECK(got == want); // show a few
      }
    }
    CHECK(preferred_mismatch == 0);
    CHECK(candidates_mismatch == 0);
    CHECK(t.stats().adverts_applied == static_cast<uint64_t>(sent));
    CHECK(t.stats().preferred_changes == m.changes);
  };

  SECTION("max 3 candidates, one call per status") {
    run(3, 500, 1);
  }
  SECTION("max 4 candidates, status split into calls of 7 keys") {
    run(4, 7, 2);
  }
  SECTION("max 1 candidate") {
    run(1, 500, 3);
  }
}

TEST_CASE("route table: stale entries are not used, and a stale preferred is replaced") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options();
  o.stale_after_ms = 500;
  route_table t{c, o};
  const gw_mac a = gw(0xA), b = gw(0xB), cc = gw(0xC);

  SECTION("an entry stops being used after stale_after_ms") {
    const auto e = esl(1);
    auto t0 = steady_now_us();
    REQUIRE(t.apply({update(a, {{e, -40}})}) == errc::ok);
    CHECK(pairs(lookup_one(t, e)) == candidates{{a, -40}});
    REQUIRE(wait_until([&] { return lookup_one(t, e).candidates.empty(); }, 5s));
    CHECK(elapsed_ms(t0) >= 490);
    // Still stored (forget_after is long): the rule sees it as stale and lets
    // a much weaker gateway take over.
    CHECK(stored_preferred(c, t, e) == a.to_string());
    REQUIRE(t.apply({update(b, {{e, -95}})}) == errc::ok);
    CHECK(stored_preferred(c, t, e) == b.to_string());
    CHECK(pairs(lookup_one(t, e)) == candidates{{b, -95}});
    // A fresh, stronger report takes it back.
    REQUIRE(t.apply({update(a, {{e, -40}})}) == errc::ok);
    CHECK(pairs(lookup_one(t, e)) == candidates{{a, -40}, {b, -95}});
  }

  SECTION("a stale preferred is skipped; fresh runner-ups are ranked by rssi") {
    const auto e = esl(2);
    auto t0 = steady_now_us();
    REQUIRE(t.apply({update(a, {{e, -40}})}) == errc::ok);
    REQUIRE(wait_until([&] { return elapsed_ms(t0) >= 250; }, 2s));
    REQUIRE(t.apply({update(b, {{e, -70}}), update(cc, {{e, -60}})}) == errc::ok);
    CHECK(pairs(lookup_one(t, e)) == candidates{{a, -40}, {cc, -60}, {b, -70}});
    // Between a going stale (~500 ms) and b, c going stale (~750 ms):
    REQUIRE(wait_until(
        [&] {
          return pairs(lookup_one(t, e)) == candidates{{cc, -60}, {b, -70}};
        },
        5s));
    CHECK(stored_preferred(c, t, e) == a.to_string()); // nothing was written
    REQUIRE(wait_until([&] { return lookup_one(t, e).candidates.empty(); }, 5s));
  }

  SECTION("pruning drops stale gateways before weak fresh ones") {
    auto o2 = o;
    o2.max_candidates = 2;
    route_table t2{c, o2};
    const auto e = esl(3);
    REQUIRE(t2.apply({update(b, {{e, -45}})}) == errc::ok);
    REQUIRE(wait_until([&] { return lookup_one(t2, e).candidates.empty(); }, 5s));
    REQUIRE(t2.apply({update(a, {{e, -40}})}) == errc::ok);  // b stale, a preferred
    REQUIRE(t2.apply({update(cc, {{e, -90}})}) == errc::ok); // 3 > 2: b goes, not c
    auto h = hgetall(c, t2.key_of(e));
    CHECK(h.size() == 3);
    CHECK(h.count("g:" + a.to_string()) == 1);
    CHECK(h.count("g:" + cc.to_string()) == 1);
    CHECK(h.count("g:" + b.to_string()) == 0);
    CHECK(pairs(lookup_one(t2, e)) == candidates{{a, -40}, {cc, -90}});
  }
}

TEST_CASE("route table: an ESL nobody hears disappears from Redis (key TTL)") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options();
  o.stale_after_ms = 100;
  o.forget_after_ms = 1000;
  route_table t{c, o};
  const auto e = esl(2);
  auto t0 = steady_now_us();
  REQUIRE(t.apply({update(gw(0xA), {{e, -40}})}) == errc::ok);
  CHECK(integer(c, {"EXISTS", t.key_of(e)}) == 1);
  auto pttl = integer(c, {"PTTL", t.key_of(e)});
  CHECK(pttl > 0);
  CHECK(pttl <= 1000);
  REQUIRE(wait_until([&] { return integer(c, {"EXISTS", t.key_of(e)}) == 0; }, 5s));
  CHECK(elapsed_ms(t0) >= 900);
  CHECK(lookup_one(t, e).candidates.empty());
}

TEST_CASE("route table: two consumers racing on the same ESLs never lose the better route") {
  redis_server srv;
  metrics::registry reg;
  redis::connection ca{test_options(srv.port()), reg, "a"};
  redis::connection cb{test_options(srv.port()), reg, "b"};
  redis::connection check{test_options(srv.port()), reg, "check"};
  route_table ta{ca, table_options()}, tb{cb, table_options()}, tc{check, table_options()};
  const gw_mac strong = gw(0xA), weak = gw(0xB);
  const int rounds = 100, per_round = 100, repeats = 3;

  // Every round uses ESLs nobody has seen: both consumers race on "unknown",
  // where a client-side read-decide-write would let the weak one win.
  auto esls_of = [&](int round) {
    std::vector<esl_mac> v;
    for (int i = 0; i < per_round; ++i)
      v.push_back(esl(static_cast<uint64_t>(round * per_round + i)));
    return v;
  };
  // A barrier per round, so that both consumers work on the same ESLs at the
  // same time (one running ahead would never race).
  std::atomic<int> arrived{0};
  std::atomic<int> failures{0};
  auto consumer = [&](route_table& t, gw_mac g, int32_t rssi) {
    for (int r = 0; r < rounds; ++r) {
      ++arrived;
      while (arrived < 2 * (r + 1))
        std::this_thread::yield();
      auto v = esls_of(r);
      for (int k = 0; k < repeats; ++k) {
        routing::status_update u;
        u.gw = g;
        for (auto e : v)
          u.adverts.push_back({e, rssi});
        if (t.apply({u}) != errc::ok)
          ++failures;
      }
    }
  };
  std::thread th_a{consumer, std::ref(ta), strong, -40};
  std::thread th_b{consumer, std::ref(tb), weak, -70};
  th_a.join();
  th_b.join();
  REQUIRE(failures == 0);

  std::vector<esl_mac> all;
  for (int r = 0; r < rounds; ++r)
    for (auto e : esls_of(r))
      all.push_back(e);
  std::vector<routing::route> out;
  REQUIRE(tc.lookup(all, out) == errc::ok);
  REQUIRE(out.size() == all.size());
  int lost = 0, wrong_runner_up = 0;
  for (auto& r : out) {
    if (r.candidates.empty() || r.candidates[0].gw != strong || r.candidates[0].rssi != -40)
      ++lost;
    else if (r.candidates.size() != 2 || r.candidates[1].gw != weak)
      ++wrong_runner_up;
  }
  CHECK(lost == 0);
  CHECK(wrong_runner_up == 0);
  // Each ESL changed preferred at most twice (weak first, then strong).
  auto changes = ta.stats().preferred_changes + tb.stats().preferred_changes;
  CHECK(changes >= all.size());
  CHECK(changes <= 2 * all.size());
}

TEST_CASE("route table: NOSCRIPT after a script flush or a restart reloads and resends") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  redis::connection admin{test_options(srv.port()), reg, "admin"};
  route_table t{c, table_options()};
  const auto e = esl(1);
  redis::reply r;

  REQUIRE(t.apply({update(gw(1), {{e, -60}})}) == errc::ok);
  CHECK(t.stats().script_loads == 1);

  SECTION("SCRIPT FLUSH, then apply and lookup") {
    REQUIRE(admin.call({"SCRIPT", "FLUSH"}, r) == errc::ok);
    REQUIRE(t.apply({update(gw(2), {{e, -50}})}) == errc::ok);
    CHECK(t.stats().script_loads == 2);
    CHECK(stored_preferred(c, t, e) == gw(2).to_string());
    REQUIRE(admin.call({"SCRIPT", "FLUSH"}, r) == errc::ok);
    CHECK(pairs(lookup_one(t, e)) == candidates{{gw(2), -50}, {gw(1), -60}});
    CHECK(t.stats().script_loads == 3);
    CHECK(t.stats().server_errors == 0);
  }

  SECTION("redis restart") {
    srv.restart();
    auto first = t.apply({update(gw(2), {{e, -50}})});
    CHECK(first != errc::ok);
    REQUIRE(wait_until([&] { return t.apply({update(gw(2), {{e, -50}})}) == errc::ok; }, 5s));
    CHECK(t.stats().script_loads == 2);
    // The restarted Redis (no persistence) only knows what came after.
    CHECK(pairs(lookup_one(t, e)) == candidates{{gw(2), -50}});
  }
}

TEST_CASE("route table: server errors map to server_error; the rest of the pipeline applies") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  route_table t{c, table_options()};
  const auto bad = esl(0xBAD), good = esl(0x600D);
  redis::reply r;
  REQUIRE(c.call({"SET", t.key_of(bad), "not a hash"}, r) == errc::ok);

  CHECK(t.apply({update(gw(1), {{bad, -50}}), update(gw(1), {{good, -50}})}) == errc::server_error);
  CHECK(t.stats().server_errors == 1);
  CHECK(stored_preferred(c, t, good) == gw(1).to_string());

  std::vector<routing::route> out;
  CHECK(t.lookup({good, bad}, out) == errc::server_error);
  CHECK(out.empty());
  CHECK(t.lookup({good}, out) == errc::ok);
  REQUIRE(out.size() == 1);
  CHECK(pairs(out[0]) == candidates{{gw(1), -50}});
  CHECK(c.connected());
}

TEST_CASE("route table: large status messages are chunked in one round trip") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options();
  o.max_keys_per_call = 100;
  route_table t{c, o};
  REQUIRE(t.apply({update(gw(9), {{esl(0), -50}})}) == errc::ok); // loads the scripts
  auto pipelines0 = reg.counter_value("redis.pipelines");
  auto commands0 = reg.counter_value("redis.commands");

  routing::status_update big;
  big.gw = gw(1);
  std::vector<esl_mac> all;
  for (int i = 0; i < 1050; ++i) {
    all.push_back(esl(static_cast<uint64_t>(1000 + i)));
    big.adverts.push_back({all.back(), -40 - i % 50});
  }
  REQUIRE(t.apply({big}) == errc::ok);
  CHECK(reg.counter_value("redis.pipelines") - pipelines0 == 1);
  CHECK(reg.counter_value("redis.commands") - commands0 == 11);

  std::vector<routing::route> out;
  REQUIRE(t.lookup(all, out) == errc::ok);
  CHECK(reg.counter_value("redis.pipelines") - pipelines0 == 2);
  CHECK(reg.counter_value("redis.commands") - commands0 == 22);
  REQUIRE(out.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    REQUIRE(out[i].esl == all[i]);
    REQUIRE(pairs(out[i]) == candidates{{gw(1), -40 - static_cast<int32_t>(i % 50)}});
  }
}

TEST_CASE("route table: Redis down -> errc, empty output; no throw") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  route_table t{c, table_options()};
  srv.stop();
  CHECK(t.apply({update(gw(1), {{esl(1), -50}})}) != errc::ok);
  std::vector<routing::route> out{routing::route{}};
  CHECK(t.lookup({esl(1)}, out) != errc::ok);
  CHECK(out.empty());
  CHECK(t.clear() != errc::ok);
  srv.start();
  REQUIRE(wait_until([&] { return t.apply({update(gw(1), {{esl(1), -50}})}) == errc::ok; }, 5s));
  CHECK(pairs(lookup_one(t, esl(1))) == candidates{{gw(1), -50}});
}

TEST_CASE("route table: Redis holds nothing else; clear() removes exactly one table") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  route_table t1{c, table_options("a*")}; // glob characters are matched literally
  route_table t2{c, table_options("ab")};
  std::vector<routing::status_update> ups;
  for (int g = 0; g < 5; ++g) {
    routing::status_update u;
    u.gw = gw(static_cast<uint64_t>(g));
    for (int i = 0; i < 700; ++i)
      u.adverts.push_back({esl(static_cast<uint64_t>(i)), -40 - g});
    ups.push_back(u);
  }
  REQUIRE(t1.apply(ups) == errc::ok);
  REQUIRE(t2.apply(ups) == errc::ok);
  std::vector<routing::route> out;
  REQUIRE(t1.lookup({esl(1), esl(2)}, out) == errc::ok);

  redis::reply r;
  REQUIRE(c.call({"KEYS", "*"}, r) == errc::ok);
  CHECK(r.elements.size() == 1402); // 700 ESLs and a birth key per table
  for (auto& k : r.elements) {
    bool ours = k.str.rfind("a*:rt:", 0) == 0 || k.str.rfind("ab:rt:", 0) == 0 ||
                k.str == "a*:rt-born" || k.str == "ab:rt-born";
    if (!ours)
      FAIL("unexpected key in redis: " << k.str);
  }

  REQUIRE(t1.clear() == errc::ok);
  CHECK(integer(c, {"DBSIZE"}) == 701);
  REQUIRE(c.call({"KEYS", "a\\*:rt:*"}, r) == errc::ok);
  CHECK(r.elements.empty());
  REQUIRE(t2.clear() == errc::ok);
  CHECK(integer(c, {"DBSIZE"}) == 0);
}

TEST_CASE("route table: a table Redis lost is 'warming' until rebuilt for warmup_ms") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  auto o = table_options();
  o.warmup_ms = 1'000;
  route_table t{c, o};
  std::vector<routing::route> out;
  // Nothing written yet (a new deployment, or Redis restarted empty).
  REQUIRE(t.lookup({esl(1)}, out) == errc::ok);
  CHECK(out.at(0).candidates.empty());
  CHECK(t.last_table_age_ms() == -1);
  CHECK(t.warming());
  // The first status after that starts the clock.
  REQUIRE(t.apply({update(gw(1), {{esl(1), -50}})}) == errc::ok);
  REQUIRE(t.lookup({esl(2)}, out) == errc::ok);
  CHECK(t.last_table_age_ms() >= 0);
  CHECK(t.last_table_age_ms() < 1'000);
  CHECK(t.warming());
  // Later writes do not restart it (born long ago, as far as Redis knows).
  redis::reply r;
  REQUIRE(c.call({"SET", "sw:rt-born", "0"}, r) == errc::ok);
  REQUIRE(t.apply({update(gw(2), {{esl(2), -50}})}) == errc::ok);
  REQUIRE(t.lookup({esl(2)}, out) == errc::ok);
  CHECK(t.last_table_age_ms() > 1'000);
  CHECK_FALSE(t.warming());
  CHECK(pairs(out.at(0)) == candidates{{gw(2), -50}});
  // Redis loses everything: warming again.
  REQUIRE(integer(c, {"DBSIZE"}) > 0);
  REQUIRE(c.call({"FLUSHALL"}, r) == errc::ok);
  REQUIRE(t.lookup({esl(2)}, out) == errc::ok);
  CHECK(out.at(0).candidates.empty());
  CHECK(t.warming());
  // clear() forgets the birth too.
  REQUIRE(t.apply({update(gw(1), {{esl(1), -50}})}) == errc::ok);
  REQUIRE(t.clear() == errc::ok);
  CHECK(integer(c, {"DBSIZE"}) == 0);
}
