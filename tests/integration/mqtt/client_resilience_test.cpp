#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <thread>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"
#include "tests/integration/mqtt/mqtt_test_util.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace shelfwire::testing::mqtt_util;
using mqtt::link_state;
using mqtt::publish_errc;
using ms = std::chrono::duration<double, std::milli>;

TEST_CASE("after a broker restart the client comes back by itself with its subscriptions") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  state_log states;
  inbox in;
  mqtt::client c{options(broker.url(), "restart"), reg, "t."};
  c.on_state_change(states.observer());
  c.subscribe("$share/g/rs/+/response", 1, in.handler());
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(5s));
  REQUIRE(c.publish("rs/1/response", "before", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return in.size() == 1; }, 5s));

  broker.restart();
  auto back = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return states.saw(link_state::down); }, 10s));
  REQUIRE(c.wait_ready(10s));
  auto up_after = std::chrono::steady_clock::now() - back;
  std::printf("[mqtt] up again %.0f ms after the broker accepted connections\n",
              ms(up_after).count());
  // Backoff max 500 ms (+20 %) plus paho 1.3.12's 1 s read poll before it sends CONNECT
  // (twice if an attempt races the broker's start-up; see runtime/mqtt/README.md).
  CHECK(up_after < 3500ms);

  CHECK(reg.counter_value("t.connects") == 2);
  CHECK(reg.counter_value("t.reconnects") == 1);
  CHECK(reg.get_gauge("t.up").value() == 1);
  // The new socket got TCP_NODELAY too.
  auto nd = nodelay_of_sockets_to(broker.port());
  REQUIRE(nd.size() == 1);
  CHECK(nd.front() == 1);

  // The broker lost all sessions (no persistence): only a re-subscribe
  // makes this arrive.
  REQUIRE(c.publish("rs/2/response", "after", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return in.size() == 2; }, 5s));
  CHECK(in.snapshot().back().payload == "after");

  auto seq = states.snapshot();
  // up, down, connecting, ..., up
  REQUIRE(seq.size() >= 4);
  CHECK(seq.back() == link_state::up);
}

TEST_CASE("stop() is bounded when the broker is gone") {
  quiet_logs();
  metrics::registry reg;
  SECTION("after the client noticed") {
    mosquitto_server broker;
    mqtt::client c{options(broker.url(), "gone1"), reg, "t."};
    REQUIRE(c.start());
    REQUIRE(c.wait_ready(5s));
    broker.stop();
    REQUIRE(wait_until([&] { return c.state() != link_state::up; }, 10s));
    auto t0 = std::chrono::steady_clock::now();
    c.stop();
    auto took = std::chrono::steady_clock::now() - t0;
    std::printf("[mqtt] stop() with the broker gone: %.1f ms\n", ms(took).count());
    CHECK(took < 2s);
    CHECK(c.state() == link_state::stopped);
  }
  SECTION("right after the broker died, with messages in flight") {
    mosquitto_server broker;
    mqtt::client c{options(broker.url(), "gone2"), reg, "t."};
    REQUIRE(c.start());
    REQUIRE(c.wait_ready(5s));
    for (int i = 0; i < 1000; ++i)
      c.publish("gone/x", "payload", 1);
    broker.stop();
    auto t0 = std::chrono::steady_clock::now();
    c.stop();
    auto took = std::chrono::steady_clock::now() - t0;
    std::printf("[mqtt] stop() right after the broker died: %.1f ms\n", ms(took).count());
    CHECK(took < 2s);
  }
  SECTION("while connecting to nothing") {
    auto url = "tcp://127.0.0.1:" + std::to_string(free_port());
    mqtt::client c{options(url, "gone3"), reg, "t."};
    REQUIRE(c.start());
    auto t0 = std::chrono::steady_clock::now();
    c.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  }
}

TEST_CASE("destroying a client while messages stream in is clean") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  std::atomic<uint64_t> seen{0}; // messages the watcher got
  mqtt::client pub{options(broker.url(), "stream-pub"), reg, "p."};
  mqtt::client watcher{options(broker.url(), "stream-watch"), reg, "w."};
  watcher.subscribe("stream/#", 1, [&](mqtt::message&&) { seen.fetch_add(1); });
  REQUIRE(pub.start());
  REQUIRE(watcher.start());
  REQUIRE(pub.wait_ready(5s));
  REQUIRE(watcher.wait_ready(5s));

  // A steady stream, at most 2000 messages ahead of the watcher: heavy, but
  // it leaves paho's shared receive thread room to connect new clients.
  struct stream_guard {
    std::atomic<bool> on{true};
    std::thread t;
    ~stream_guard() {
      on.store(false);
      if (t.joinable())
        t.join();
    }
  } producer;
  producer.t = std::thread{[&] {
    uint64_t sent = 0;
    while (producer.on.load()) {
      if (sent > seen.load() + 2000) {
        std::this_thread::yield();
        continue;
      }
      if (pub.publish("stream/" + std::to_string(sent % 8), std::to_string(sent),
                      static_cast<int>(sent % 2)) == publish_errc::ok)
        ++sent;
    }
  }};

  struct probe {
    std::atomic<int> received{0};
    std::atomic<bool> destroyed{false};
    std::atomic<int> after_destroy{0};
  };
  double slowest = 0;
  for (int round = 0; round < 5; ++round) {
    auto p = std::make_shared<probe>();
    auto c = std::make_unique<mqtt::client>(options(broker.url(), "stream-sub"), reg, "s.");
    c->subscribe("stream/#", round % 2, [p](mqtt::message&&) {
      if (p->destroyed.load())
        p->after_destroy.fetch_add(1);
      p->received.fetch_add(1);
    });
    REQUIRE(c->start());
    REQUIRE(c->wait_ready(5s));
    REQUIRE(wait_until([&] { return p->received.load() >= 200; }, 10s));
    auto t0 = std::chrono::steady_clock::now();
    c.reset();
    auto took = std::chrono::steady_clock::now() - t0;
    slowest = std::max(slowest, ms(took).count());
    // Bounded even while paho's receive thread is flooded (1.5 s DISCONNECT
    // wait + destroy); generous for sanitizer builds.
    CHECK(took < 5s);
    p->destroyed.store(true);
    // Messages keep flowing after the destruction...
    auto mark = seen.load();
    REQUIRE(wait_until([&] { return seen.load() >= mark + 500; }, 10s));
    // ...and none reached the destroyed client's handler.
    CHECK(p->after_destroy.load() == 0);
  }
  std::printf("[mqtt] destroying a client under a message flood: slowest %.1f ms\n", slowest);
}

TEST_CASE("stop() and destruction from the client's own callbacks do not deadlock") {
  quiet_logs();
  mosquitto_server broker;
  metrics::registry reg;
  mqtt::client pub{options(broker.url(), "cb-pub"), reg, "p."};
  REQUIRE(pub.start());
  REQUIRE(pub.wait_ready(5s));

  SECTION("stop() inside a message handler") {
    std::atomic<int> calls{0};
    mqtt::client c{options(broker.url(), "cb-stop"), reg, "t."};
    c.subscribe("cb/stop", 1, [&](mqtt::message&&) {
      calls.fetch_add(1);
      c.stop();
    });
    REQUIRE(c.start());
    REQUIRE(c.wait_ready(5s));
    REQUIRE(pub.publish("cb/stop", "x", 1) == publish_errc::ok);
    REQUIRE(wait_until([&] { return c.state() == link_state::stopped; }, 5s));
    for (int i = 0; i < 10; ++i)
      pub.publish("cb/stop", "x", 1);
    c.stop(); // from the test thread: waits for nothing, returns
    CHECK(calls.load() == 1);
  }
  SECTION("stop() inside a state observer") {
    mqtt::client c{options(broker.url(), "cb-observer"), reg, "t."};
    c.on_state_change([&](link_state s) {
      if (s == link_state::up)
        c.stop();
    });
    REQUIRE(c.start());
    REQUIRE(wait_until([&] { return c.state() == link_state::stopped; }, 5s));
  }
  SECTION("destroying the client inside its own handler") {
    auto holder = std::make_shared<std::unique_ptr<mqtt::client>>();
    *holder = std::make_unique<mqtt::client>(options(broker.url(), "cb-destroy"), reg, "t.");
    auto& c = **holder;
    // Expires when the handler, owned by the client's internals, is gone:
    // the shutdown finishes on a helper thread.
    auto token = std::make_shared<int>(0);
    std::weak_ptr<int> alive = token;
    c.subscribe("cb/destroy", 1, [holder, token](mqtt::message&&) { holder->reset(); });
    token.reset();
    REQUIRE(c.start());
    REQUIRE(c.wait_ready(5s));
    REQUIRE(pub.publish("cb/destroy", "x", 1) == publish_errc::ok);
    REQUIRE(wait_until([&] { return alive.expired(); }, 5s));
    CHECK(*holder == nullptr);
  }
}
