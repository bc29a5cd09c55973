#include <catch2/catch.hpp>

#include <map>

#include <sys/mman.h>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"
#include "runtime/mqtt/receive_waker.hpp"
#include "tests/integration/mqtt/mqtt_test_util.hpp"
#include "tests/support/process.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace shelfwire::testing::mqtt_util;
using mqtt::link_state;
using mqtt::publish_errc;

namespace {

/// Every byte value, zeros included, and an embedded "\0\0" run.
std::string binary_payload() {
  std::string p;
  for (int round = 0; round < 3; ++round)
    for (int b = 0; b < 256; ++b)
      p.push_back(static_cast<char>(b));
  p += std::string(16, '\0');
  p += "tail";
  return p;
}

} // namespace

TEST_CASE("QoS 0 and 1 round trip keeps binary payloads intact") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  inbox in; // declared before the client: handlers may run until it is destroyed
  mqtt::client c{options(broker.url(), "roundtrip"), reg, "t."};
  c.subscribe("rt/+/data", 1, in.handler());
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(5s));
  CHECK(c.state() == link_state::up);

  const auto payload = binary_payload();
  REQUIRE(payload.size() > 768);
  REQUIRE(c.publish("rt/q0/data", payload, 0) == publish_errc::ok);
  REQUIRE(c.publish("rt/q1/data", payload, 1) == publish_errc::ok);
  REQUIRE(c.publish("rt/empty/data", "", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return in.size() == 3; }, 5s));

  auto msgs = in.snapshot();
  std::map<std::string, mqtt::message> by_topic;
  for (auto& m : msgs)
    by_topic[m.topic] = m;
  REQUIRE(by_topic.count("rt/q0/data") == 1);
  REQUIRE(by_topic.count("rt/q1/data") == 1);
  REQUIRE(by_topic.count("rt/empty/data") == 1);
  CHECK(by_topic["rt/q0/data"].payload == payload);
  CHECK(by_topic["rt/q0/data"].qos == 0);
  CHECK(by_topic["rt/q1/data"].payload == payload);
  CHECK(by_topic["rt/q1/data"].qos == 1);
  CHECK_FALSE(by_topic["rt/q1/data"].duplicate);
  CHECK(by_topic["rt/empty/data"].payload.empty());

  CHECK(wait_until([&] { return reg.counter_value("t.delivery_complete") == 2; }, 5s));
  CHECK(reg.counter_value("t.published") == 3);
  CHECK(reg.counter_value("t.publish_failed") == 0);
  CHECK(reg.counter_value("t.received") == 3);
  CHECK(reg.counter_value("t.unmatched") == 0);
  CHECK(reg.counter_value("t.connects") == 1);
  CHECK(reg.counter_value("t.reconnects") == 0);
  CHECK(reg.get_gauge("t.up").value() == 1);

  c.stop();
  CHECK(c.state() == link_state::stopped);
  CHECK(reg.get_gauge("t.up").value() == 0);
}

TEST_CASE("the first matching subscription gets the message; others count as unmatched") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  inbox specific;
  inbox general;
  inbox late;
  mqtt::client c{options(broker.url(), "dispatch"), reg, "t."};
  c.subscribe("d/special/x", 1, specific.handler());
  c.subscribe("d/#", 1, general.handler());
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(5s));

  // Added while up: subscribed at once, and wait_ready waits for its SUBACK.
  c.subscribe("late/+", 1, late.handler());
  REQUIRE(c.wait_ready(5s));

  REQUIRE(c.publish("d/special/x", "1", 1) == publish_errc::ok);
  REQUIRE(c.publish("d/other", "2", 1) == publish_errc::ok);
  REQUIRE(c.publish("late/a", "3", 1) == publish_errc::ok);
  REQUIRE(wait_until(
      [&] { return specific.size() >= 1 && general.size() >= 1 && late.size() >= 1; }, 5s));
  // The broker delivers d/special/x once (overlapping subscriptions of one
  // client: v5 sends one copy per matching subscription unless the broker
  // merges them); whatever arrives goes to the first matching filter.
  CHECK(specific.size() >= 1);
  for (auto& m : general.snapshot())
    CHECK(m.topic == "d/other");
  CHECK(late.size() == 1);
  CHECK(reg.counter_value("t.unmatched") == 0);
}

TEST_CASE("publish refuses bad topics, oversize payloads and a link that is not up") {
  quiet_logs();
  metrics::registry reg;
  // Nothing listens on this port: the client keeps trying in the background.
  auto url = "tcp://127.0.0.1:" + std::to_string(free_port());
  state_log states;
  mqtt::client c{options(url, "nolink"), reg, "t."};

  CHECK(c.state() == link_state::idle);
  CHECK(c.publish("a/b", "x", 1) == publish_errc::disconnected); // before start
  REQUIRE(c.start());
  CHECK(c.publish("a/b", "x", 0) == publish_errc::disconnected);
  CHECK(c.publish("a/b", "x", 1) == publish_errc::disconnected);
  CHECK(c.publish("", "x", 1) == publish_errc::bad_topic);
  CHECK(c.publish("a/+/b", "x", 1) == publish_errc::bad_topic);
  CHECK(c.publish("a/#", "x", 1) == publish_errc::bad_topic);
  CHECK(c.publish(std::string_view{"a\0b", 3}, "x", 1) == publish_errc::bad_topic);

  // 268435456 bytes, reserved but never touched.
  const size_t big = 268435456;
  void* mem = ::mmap(nullptr, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  CHECK(c.publish("a/b", std::string_view{static_cast<const char*>(mem), big}, 1) ==
        publish_errc::too_large);
  ::munmap(mem, big);

  // It keeps retrying: connecting <-> down, never up.
  c.on_state_change(states.observer());
  REQUIRE(wait_until([&] { return states.count(link_state::down) >= 2; }, 5s));
  CHECK_FALSE(c.wait_ready(100ms));
  CHECK(reg.counter_value("t.published") == 0);
  CHECK(reg.counter_value("t.publish_failed") == 8);
  CHECK(reg.counter_value("t.connects") == 0);

  auto t0 = std::chrono::steady_clock::now();
  c.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(c.publish("a/b", "x", 1) == publish_errc::disconnected);
}

TEST_CASE("start rejects unusable options; stop is idempotent") {
  quiet_logs();
  metrics::registry reg;
  {
    auto o = options("tls://127.0.0.1:8883", "badurl");
    mqtt::client c{o, reg, "t."};
    CHECK_FALSE(c.start());
    CHECK(c.state() == link_state::idle);
  }
  {
    auto o = options("tcp://", "badurl");
    mqtt::client c{o, reg, "t."};
    CHECK_FALSE(c.start());
  }
  {
    mosquitto_server broker;
    mqtt::client c{options(broker.url(), "idem"), reg, "i."};
    REQUIRE(c.start());
    CHECK(c.start()); // already started
    REQUIRE(c.wait_ready(5s));
    c.stop();
    c.stop();
    CHECK(c.state() == link_state::stopped);
    CHECK_FALSE(c.start()); // no restart after stop
    CHECK_FALSE(c.wait_ready(10ms));
  }
  {
    mqtt::client never_started{options("tcp://127.0.0.1:1", "never"), reg, "n."};
    never_started.stop();
    CHECK(never_started.state() == link_state::stopped);
  }
}

TEST_CASE("a client reaches a broker that starts after it") {
  quiet_logs();
  mosquitto_server broker;
  broker.stop();
  metrics::registry reg;
  state_log states;
  inbox in;
  mqtt::client c{options(broker.url(), "late-broker"), reg, "t."};
  c.on_state_change(states.observer());
  c.subscribe("late/#", 1, in.handler());
  REQUIRE(c.start());
  REQUIRE(wait_until([&] { return states.count(link_state::down) >= 1; }, 5s));
  broker.start();
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(c.wait_ready(5s));
  auto took = std::chrono::steady_clock::now() - t0;
  std::printf("[mqtt] first connect %.0f ms after the broker accepted connections\n",
              std::chrono::duration<double, std::milli>(took).count());
  // Backoff max is 500 ms (+20 % jitter), plus paho 1.3.12's 1 s read poll
  // before it sends CONNECT (see runtime/mqtt/README.md).
  CHECK(took < 3500ms);
  CHECK(reg.counter_value("t.connects") == 1);
  CHECK(reg.counter_value("t.reconnects") == 0);
  REQUIRE(c.publish("late/x", "hello", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return in.size() == 1; }, 5s));
  auto seq = states.snapshot();
  REQUIRE(seq.size() >= 3);
  CHECK(seq.front() == link_state::connecting);
  CHECK(seq.back() == link_state::up);
}

TEST_CASE("a second client of the process does not wait for paho's idle poll to connect") {
  // paho 1.3.12 has one receive thread per process; without receive_waker a
  // second client waited ~2.1 s (two 1 s polls) for its link.
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  inbox first_in;
  inbox second_in;
  mqtt::client first{options(broker.url(), "waker-first"), reg, "a."};
  first.subscribe("#", 1, first_in.handler()); // must not see the wake messages
  REQUIRE(first.start());
  REQUIRE(first.wait_ready(5s));

  const uint64_t sent_before = mqtt::detail::receive_waker::instance().sent();
  mqtt::client second{options(broker.url(), "waker-second"), reg, "b."};
  second.subscribe("waker/#", 1, second_in.handler());
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(second.start());
  REQUIRE(second.wait_ready(5s));
  auto took = std::chrono::steady_clock::now() - t0;
  std::printf("[mqtt] second client of the process up in %.1f ms\n",
              std::chrono::duration<double, std::milli>(took).count());
  CHECK(mqtt::detail::receive_waker::instance().sent() > sent_before);
  CHECK(took < 1000ms); // under one idle poll of paho's receive thread

  // Both links work, and the wake messages reached no subscriber.
  REQUIRE(first.publish("waker/x", "hello", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return second_in.size() == 1 && first_in.size() == 1; }, 5s));
  CHECK(first_in.snapshot().front().topic == "waker/x");
  CHECK(reg.counter_value("a.received") == 1);
  CHECK(reg.counter_value("a.published") == 1); // wake messages are not counted as ours
}
