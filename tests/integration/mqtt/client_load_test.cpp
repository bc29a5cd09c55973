#include <catch2/catch.hpp>

#include <set>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"
#include "tests/integration/mqtt/mqtt_test_util.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace shelfwire::testing::mqtt_util;
using mqtt::publish_errc;

namespace {

constexpr int n_messages = 10000;

/// Payload ids received by one client, as integers.
std::multiset<int> ids_of(inbox& in) {
  std::multiset<int> out;
  for (auto& m : in.snapshot())
    out.insert(std::stoi(m.payload));
  return out;
}

} // namespace

TEST_CASE("a shared subscription splits 10k QoS 1 messages between two clients, none lost or "
          "duplicated") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  const std::string filter = "$share/router-bck-group//gw/+/response";

  inbox in_a;
  inbox in_b;
  mqtt::client a{options(broker.url(), "shared-a"), reg, "a."};
  mqtt::client b{options(broker.url(), "shared-b"), reg, "b."};
  mqtt::client pub{options(broker.url(), "shared-pub"), reg, "p."};
  a.subscribe(filter, 1, in_a.handler());
  b.subscribe(filter, 1, in_b.handler());
  REQUIRE(a.start());
  REQUIRE(b.start());
  REQUIRE(pub.start());
  REQUIRE(a.wait_ready(5s));
  REQUIRE(b.wait_ready(5s));
  REQUIRE(pub.wait_ready(5s));

  const char* gws[] = {"AABBCCDDEE01", "AABBCCDDEE02", "AABBCCDDEE03", "AABBCCDDEE04"};
  for (int i = 0; i < n_messages; ++i) {
    auto topic = std::string{"/gw/"} + gws[i % 4] + "/response";
    REQUIRE(pub.publish(topic, std::to_string(i), 1) == publish_errc::ok);
  }
  REQUIRE(wait_until([&] { return in_a.size() + in_b.size() >= n_messages; }, 60s));
  REQUIRE(wait_until([&] { return reg.counter_value("p.delivery_complete") == n_messages; }, 30s));

  auto got_a = ids_of(in_a);
  auto got_b = ids_of(in_b);
  INFO("client a got " << got_a.size() << ", client b got " << got_b.size());
  CHECK(got_a.size() + got_b.size() == n_messages);
  CHECK(got_a.size() > 0);
  CHECK(got_b.size() > 0);
  std::set<int> all(got_a.begin(), got_a.end());
  all.insert(got_b.begin(), got_b.end());
  CHECK(all.size() == n_messages); // no duplicates and no loss
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == n_messages - 1);
  CHECK(reg.counter_value("a.unmatched") + reg.counter_value("b.unmatched") == 0);
  CHECK(reg.counter_value("a.received") + reg.counter_value("b.received") == n_messages);
}

TEST_CASE("10k QoS 1 messages in flight from one publisher all arrive") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  auto po = options(broker.url(), "burst-pub");
  po.max_inflight = 4096;
  inbox in;
  mqtt::client pub{po, reg, "p."};
  mqtt::client sub{options(broker.url(), "burst-sub"), reg, "s."};
  sub.subscribe("burst/#", 1, in.handler());
  REQUIRE(sub.start());
  REQUIRE(pub.start());
  REQUIRE(sub.wait_ready(5s));
  REQUIRE(pub.wait_ready(5s));

  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n_messages; ++i)
    REQUIRE(pub.publish("burst/" + std::to_string(i % 16), std::to_string(i), 1) ==
            publish_errc::ok);
  auto queued = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return in.size() >= n_messages; }, 60s));
  auto done = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return reg.counter_value("p.delivery_complete") == n_messages; }, 30s));

  auto got = ids_of(in);
  CHECK(got.size() == n_messages);
  CHECK(std::set<int>(got.begin(), got.end()).size() == n_messages);
  CHECK(reg.counter_value("p.published") == n_messages);
  CHECK(reg.counter_value("p.publish_failed") == 0);
  using ms = std::chrono::duration<double, std::milli>;
  std::printf("[mqtt] 10k QoS 1 burst: publish() calls took %.1f ms, all received after %.1f ms\n",
              ms(queued - t0).count(), ms(done - t0).count());
}
