// The emulator's radio physics on a real broker: actions published as a node
// would, answers timed on the test's clock. Slots, the queue bound (busy at
// once), ttl expiry, metrics.

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <vector>

#include "runtime/mqtt/client.hpp"
#include "runtime/wire/contract.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::sim;
using namespace std::chrono_literals;

namespace {

struct answer {
  wire::response r;
  std::chrono::steady_clock::time_point at;
};

mqtt::client_options opts(const std::string& url, const std::string& id) {
  mqtt::client_options o;
  o.url = url;
  o.client_id = id;
  return o;
}

} // namespace

TEST_CASE("emulated radio: slots, a bounded queue answering busy at once, ttl expiry",
          "[sim][radio]") {
  mosquitto_server broker;
  metrics::registry reg;
  auto eo = gateway_emulator::simple_store(1, 20, 0);
  eo.mqtt = opts(broker.url(), "radio-emu");
  eo.radio.slots = 2;
  eo.radio.queue_max = 3;
  eo.radio.tx_price = {1000, 1000}; // 100 ms compressed
  eo.radio.compression = 10;
  gateway_emulator emu{eo, reg};
  REQUIRE(emu.start());
  REQUIRE(emu.wait_ready(10s));

  std::mutex mtx;
  std::vector<answer> answers;
  mqtt::client node{opts(broker.url(), "radio-node"), reg, "test.mqtt."};
  node.subscribe("/gw/+/response", 1, [&](mqtt::message&& m) {
    auto r = wire::decode_response(m.payload);
    REQUIRE(r);
    std::lock_guard<std::mutex> g{mtx};
    answers.push_back({*r, std::chrono::steady_clock::now()});
  });
  REQUIRE(node.start());
  REQUIRE(node.wait_ready(10s));

  auto gw = eo.gateways.front();
  auto send = [&](size_t i, uint32_t ttl_ms) {
    wire::action a;
    a.id = "a" + std::to_string(i);
    a.esl = eo.esls[i].esl;
    a.op = wire::op_kind::price;
    a.ttl_ms = ttl_ms;
    std::string payload;
    wire::encode(a, payload);
    REQUIRE(node.publish(wire::action_topic("/gw", gw), payload, 1) == mqtt::publish_errc::ok);
  };
  auto t0 = std::chrono::steady_clock::now();
  // 2 transmit, 3 wait, 3 more are refused at once.
  for (size_t i = 0; i < 8; ++i)
    send(i, 10'000);
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> g{mtx};
        return answers.size() >= 8;
      },
      10s));
  {
    std::lock_guard<std::mutex> g{mtx};
    size_t busy = 0, acked = 0;
    for (auto& a : answers) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a.at - t0).count();
      INFO(*a.r.id << " ack " << a.r.ack << " code " << a.r.code.value_or(0) << " at " << ms
                   << " ms");
      if (a.r.ack) {
        ++acked;
        CHECK(ms >= 95); // one compressed transmission at least
      } else {
        ++busy;
        CHECK(a.r.code.value_or(0) == 2);
      }
    }
    CHECK(acked == 5);
    CHECK(busy == 3);
    // The last ACK: three rounds of two slots (100 ms each), not five.
    auto last = std::chrono::duration_cast<std::chrono::milliseconds>(answers.back().at - t0);
    CHECK(last.count() >= 290);
    CHECK(last.count() < 2000);
  }
  CHECK(reg.counter_value("emu.busy") == 3);
  CHECK(reg.counter_value("emu.transmissions") == 5);
  CHECK(emu.radio_counters().peak_slots == 2);
  CHECK(emu.radio_counters().peak_queue == 3);

  // ttl: 4 behind 2 slots of 100 ms each with a ttl of 150 ms: two fit, two
  // could not end in time and are answered busy at their ttl.
  {
    std::lock_guard<std::mutex> g{mtx};
    answers.clear();
  }
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 10; i < 14; ++i)
    send(i, 150);
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> g{mtx};
        return answers.size() >= 4;
      },
      10s));
  {
    std::lock_guard<std::mutex> g{mtx};
    size_t acked = 0, expired = 0;
    for (auto& a : answers) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a.at - t0).count();
      INFO(*a.r.id << " ack " << a.r.ack << " at " << ms << " ms");
      if (a.r.ack) {
        ++acked;
      } else {
        ++expired;
        CHECK(a.r.code.value_or(0) == 2);
        CHECK(ms >= 145);
      }
    }
    CHECK(acked == 2);
    CHECK(expired == 2);
  }
  CHECK(reg.counter_value("emu.expired") == 2);
  CHECK(reg.counter_value("emu.busy") == 5);
  node.stop();
  emu.stop();
}
