// Rough cost figures of the routing table on this machine, for
// docs/routing-table.md. Hidden: run with
//   build-redis/bin/redis_port_tests "[bench]"
// Prints numbers; asserts only that the calls worked.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "runtime/metrics/registry.hpp"
#include "runtime/routing/route_table.hpp"
#include "runtime/routing/rssi_rule.hpp"
#include "tests/integration/redis/redis_test_support.hpp"
#include "tests/support/servers.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using redis::errc;
using routing::route_table;

namespace {

constexpr int n_esls = 50'000;
constexpr int n_gws = 10;

/// One status message per gateway and chunk of 100 ESLs it hears; every ESL
/// is heard by three gateways (its own and the two next ones).
std::vector<routing::status_update> store_statuses(std::mt19937& rng) {
  std::uniform_int_distribution<int> rssi(-95, -35);
  std::vector<routing::status_update> out;
  for (int g = 0; g < n_gws; ++g) {
    routing::status_update u;
    u.gw = gw(static_cast<uint64_t>(g));
    for (int e = 0; e < n_esls; ++e) {
      int home = e % n_gws;
      if (g != home && g != (home + 1) % n_gws && g != (home + 2) % n_gws)
        continue;
      u.adverts.push_back({esl(static_cast<uint64_t>(e)), rssi(rng)});
      if (u.adverts.size() == 100) {
        out.push_back(u);
        u.adverts.clear();
      }
    }
    if (!u.adverts.empty())
      out.push_back(u);
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::string info_field(redis::connection& c, const std::string& section, const std::string& key) {
  redis::reply r;
  if (c.call({"INFO", section}, r) != errc::ok)
    return {};
  auto p = r.str.find(key + ":");
  if (p == std::string::npos)
    return {};
  p += key.size() + 1;
  return r.str.substr(p, r.str.find('\r', p) - p);
}

double evalsha_usec_per_call(redis::connection& c) {
  auto s = info_field(c, "commandstats", "cmdstat_evalsha");
  auto p = s.find("usec_per_call=");
  return p == std::string::npos ? 0.0 : std::stod(s.substr(p + 14));
}

void reset_stats(redis::connection& c) {
  redis::reply r;
  c.call({"CONFIG", "RESETSTAT"}, r);
}

double seconds_since(int64_t t0_us) {
  return static_cast<double>(steady_now_us() - t0_us) / 1e6;
}

} // namespace

TEST_CASE("routing table cost figures", "[.bench]") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  redis::connection admin{test_options(srv.port()), reg, "admin"};
  routing::route_table_options o;
  o.key_prefix = "bench";
  route_table t{c, o};
  std::mt19937 rng{42};
  auto statuses = store_statuses(rng);
  size_t total_adverts = 0;
  for (auto& s : statuses)
    total_adverts += s.adverts.size();
  std::printf("store: %d ESLs, %d gateways, %zu status messages, %zu adverts per round\n", n_esls,
              n_gws, statuses.size(), total_adverts);

  auto mem0 = std::stoll(info_field(admin, "memory", "used_memory"));

  for (size_t batch : {size_t{1}, size_t{10}, size_t{50}}) {
    reset_stats(admin);
    auto t0 = steady_now_us();
    for (size_t i = 0; i < statuses.size(); i += batch) {
      std::vector<routing::status_update> b(
          statuses.begin() + static_cast<long>(i),
          statuses.begin() + static_cast<long>(std::min(i + batch, statuses.size())));
      REQUIRE(t.apply(b) == errc::ok);
    }
    double s = seconds_since(t0);
    std::printf("apply: %3zu status msgs (x100 adverts) per apply(): %8.0f adverts/s, "
                "redis %.0f us per script call (%.2f us per advert)\n",
                batch, static_cast<double>(total_adverts) / s, evalsha_usec_per_call(admin),
                evalsha_usec_per_call(admin) / 100.0);
  }
  {
    // Worst case: one advert per apply() (a round trip each).
    reset_stats(admin);
    auto t0 = steady_now_us();
    int n = 5000;
    for (int i = 0; i < n; ++i)
      REQUIRE(t.apply({update(gw(1), {{esl(static_cast<uint64_t>(i)), -50}})}) == errc::ok);
    double s = seconds_since(t0);
    std::printf("apply: 1 advert per apply():                %8.0f adverts/s, redis %.1f us "
                "per script call\n",
                n / s, evalsha_usec_per_call(admin));
  }
  auto mem1 = std::stoll(info_field(admin, "memory", "used_memory"));
  std::printf("memory: %.0f bytes per ESL (3 gateways each, prefix 'bench')\n",
              static_cast<double>(mem1 - mem0) / n_esls);

  std::uniform_int_distribution<int> pick(0, n_esls - 1);
  for (int keys_per_call : {100, 500}) {
    auto lo = o;
    lo.max_keys_per_call = keys_per_call;
    route_table lt{c, lo};
    for (size_t per_call : {size_t{1}, size_t{10}, size_t{100}, size_t{500}, size_t{2000}}) {
      reset_stats(admin);
      size_t done = 0;
      auto t0 = steady_now_us();
      std::vector<routing::route> out;
      while (seconds_since(t0) < 1.0) {
        std::vector<esl_mac> q;
        for (size_t k = 0; k < per_call; ++k)
          q.push_back(esl(static_cast<uint64_t>(pick(rng))));
        REQUIRE(lt.lookup(q, out) == errc::ok);
        REQUIRE(out[0].candidates.size() >= 3);
        done += per_call;
      }
      double s = seconds_since(t0);
      std::printf("lookup: %4zu ESLs per lookup(), max %d keys per call: %8.0f lookups/s, "
                  "redis %.1f us per script call\n",
                  per_call, keys_per_call, static_cast<double>(done) / s,
                  evalsha_usec_per_call(admin));
    }
  }

  {
    // Two consumers on two connections (the Redis thread is the limit).
    redis::connection c2{test_options(srv.port()), reg, "redis2"};
    route_table t2{c2, o};
    auto t0 = steady_now_us();
    auto half = [&](route_table& tt, size_t from) {
      for (size_t i = from; i < statuses.size(); i += 20) {
        std::vector<routing::status_update> b(
            statuses.begin() + static_cast<long>(i),
            statuses.begin() + static_cast<long>(std::min(i + 10, statuses.size())));
        if (tt.apply(b) != errc::ok)
          FAIL_CHECK("apply failed");
      }
    };
    std::thread th{half, std::ref(t2), size_t{10}};
    half(t, 0);
    th.join();
    double s = seconds_since(t0);
    std::printf("apply: 2 consumers, 10 msgs per apply(): %8.0f adverts/s\n",
                static_cast<double>(total_adverts) / s);
  }
}

TEST_CASE("a client-side read-decide-write loses the race", "[.bench]") {
  // What the Lua scripts prevent: the harness of the integration race test
  // (rounds of 100 fresh ESLs, a barrier per round, strong gateway vs weak
  // one, 3 repeats), with the rule run in the client between a pipelined
  // read and a pipelined write.
  redis_server srv;
  metrics::registry reg;
  const int rounds = 100, per_round = 100, repeats = 3;
  std::atomic<int> arrived{0};
  auto naive = [&](gw_mac g, int32_t rssi) {
    redis::connection c{test_options(srv.port()), reg, "naive"};
    for (int r = 0; r < rounds; ++r) {
      ++arrived;
      while (arrived < 2 * (r + 1))
        std::this_thread::yield();
      for (int k = 0; k < repeats; ++k) {
        std::vector<redis::command> reads, writes;
        std::vector<std::string> keys;
        for (int i = 0; i < per_round; ++i) {
          keys.push_back("naive:" + esl(static_cast<uint64_t>(r * per_round + i)).to_string());
          reads.push_back({"HMGET", keys.back(), "p", "r"});
        }
        std::vector<redis::reply> out;
        REQUIRE(c.pipeline(reads, out) == errc::ok);
        for (int i = 0; i < per_round; ++i) {
          auto& x = out[static_cast<size_t>(i)];
          std::optional<routing::preferred> cur;
          if (x.elements.size() == 2 && x.elements[0].type == redis::reply::kind::string)
            cur = routing::preferred{*gw_mac::parse(x.elements[0].str),
                                     std::stoi(x.elements[1].str), 0};
          if (routing::replaces_preferred(cur, g, rssi, 0, 3'600'000))
            writes.push_back({"HSET", keys[static_cast<size_t>(i)], "p", g.to_string(), "r",
                              std::to_string(rssi)});
        }
        REQUIRE(c.pipeline(writes, out) == errc::ok);
      }
    }
  };
  std::thread a{naive, gw(0xA), -40};
  std::thread b{naive, gw(0xB), -70};
  a.join();
  b.join();
  redis::connection c{test_options(srv.port()), reg, "check"};
  int lost = 0;
  for (int i = 0; i < rounds * per_round; ++i) {
    redis::reply r;
    REQUIRE(c.call({"HGET", "naive:" + esl(static_cast<uint64_t>(i)).to_string(), "p"}, r) ==
            errc::ok);
    if (r.str != gw(0xA).to_string())
      ++lost;
  }
  std::printf("naive client-side rule: %d of %d ESLs ended on the weaker gateway\n", lost,
              rounds * per_round);
}
