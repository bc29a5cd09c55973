// The client's last will and birth message (client_options::will, ::birth):
// the birth is published retained after every connect, before `up`; the
// broker publishes the will when it loses the connection (here: another
// connection takes the client id over, which mosquitto treats like a lost
// one), and drops it on a clean stop().

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

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

/// A client announcing "online-N" (N: its connects) on `topic`, will "lost".
mqtt::client_options announcing(const std::string& url, const std::string& topic,
                                std::atomic<int>& births) {
  auto o = options(url, "will");
  o.will = {topic, "lost", 1, true};
  o.birth = [topic, &births] {
    return mqtt::announcement{topic, "online-" + std::to_string(++births), 1, true};
  };
  return o;
}

/// Payloads seen so far on the inbox, in order.
std::vector<std::string> payloads(inbox& in) {
  std::vector<std::string> out;
  for (auto& m : in.snapshot())
    out.push_back(m.payload);
  return out;
}

bool saw(inbox& in, const std::string& payload) {
  auto p = payloads(in);
  return std::find(p.begin(), p.end(), payload) != p.end();
}

} // namespace

TEST_CASE("birth message: retained, published before up, again after every reconnect",
          "[mqtt][will]") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  std::atomic<int> births{0};
  mqtt::client c{announcing(broker.url(), "pres/a", births), reg, "a."};
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(5s));
  CHECK(births == 1);
  // A subscriber that comes later gets it from the broker: retained.
  inbox in;
  mqtt::client sub{options(broker.url(), "sub"), reg, "s."};
  sub.subscribe("pres/+", 1, in.handler());
  REQUIRE(sub.start());
  REQUIRE(sub.wait_ready(5s));
  REQUIRE(wait_until([&] { return in.size() >= 1; }, 5s));
  CHECK(in.snapshot().front().payload == "online-1");
  CHECK(in.snapshot().front().retained);

  // The broker restarts empty (no persistence): the reconnect announces again.
  broker.restart();
  REQUIRE(wait_until([&] { return births == 2 && c.state() == mqtt::link_state::up; }, 10s));
  REQUIRE(sub.wait_ready(10s));
  // After the re-subscribe the broker holds it again (retained, or live),
  // and it is the last word (mosquitto may publish the will as it shuts
  // down: the subscriber can see "lost" before it).
  REQUIRE(wait_until([&] { return saw(in, "online-2"); }, 5s));
  CHECK(payloads(in).back() == "online-2");
}

TEST_CASE("last will: published when the broker loses the connection, not after stop()",
          "[mqtt][will]") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  inbox in;
  mqtt::client sub{options(broker.url(), "sub"), reg, "s."};
  sub.subscribe("pres/+", 1, in.handler());
  REQUIRE(sub.start());
  REQUIRE(sub.wait_ready(5s));

  std::atomic<int> births{0};
  auto opts = announcing(broker.url(), "pres/a", births);
  mqtt::client c{opts, reg, "a."};
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(5s));
  REQUIRE(wait_until([&] { return saw(in, "online-1"); }, 5s));

  {
    // Another connection with its client id: the broker closes ours as if
    // it had died (MQTT v5 session takeover) and publishes its will. This
    // one waits long before it would take the id back.
    auto thief_opts = options(broker.url(), "thief");
    thief_opts.client_id = opts.client_id;
    thief_opts.reconnect_min_ms = thief_opts.reconnect_max_ms = 60'000;
    mqtt::client thief{thief_opts, reg, "t."};
    REQUIRE(thief.start());
    REQUIRE(wait_until([&] { return saw(in, "lost"); }, 5s));
    // Ours comes back (taking the id back) and announces itself again.
    REQUIRE(wait_until([&] { return births >= 2 && c.state() == mqtt::link_state::up; }, 10s));
    REQUIRE(wait_until([&] { return saw(in, "online-" + std::to_string(births.load())); }, 5s));
    thief.stop();
  }
  auto p = payloads(in);
  auto lost = std::find(p.begin(), p.end(), "lost");
  REQUIRE(lost != p.end());
  CHECK(std::find(lost, p.end(), "online-2") != p.end()); // online again after the will

  // A clean stop: DISCONNECT, the broker drops the will.
  c.stop();
  size_t before = in.size();
  // A round trip through the broker after our DISCONNECT: had it kept the
  // will, the will would have come first.
  REQUIRE(sub.publish("pres/marker", "marker", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return saw(in, "marker"); }, 5s));
  auto after = payloads(in);
  CHECK(std::count(after.begin() + static_cast<std::ptrdiff_t>(before), after.end(), "lost") == 0);
}

TEST_CASE("a will whose topic has a wildcard is refused at start", "[mqtt][will]") {
  quiet_logs();
  metrics::registry reg;
  auto o = options("tcp://127.0.0.1:1", "badwill");
  o.will = {"pres/+", "lost", 1, true};
  mqtt::client c{o, reg, "b."};
  CHECK_FALSE(c.start());
}
