#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

#include "actors/node/node.hpp"
#include "runtime/log/log.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/producer/job_client.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

namespace shelfwire::testing {

using namespace std::chrono_literals;

/// Node options for tests: fast timeouts, small pools, quiet logs.
inline node_options test_node_options(const mosquitto_server& broker, const redis_server& redis) {
  node_options o;
  o.name = "test-node";
  o.mqtt.url = broker.url();
  o.mqtt.reconnect_min_ms = 20;
  o.mqtt.reconnect_max_ms = 200;
  o.redis.port = redis.port();
  o.redis.reconnect_min_ms = 20;
  o.redis.reconnect_max_ms = 200;
  o.routers.pool_size = 2;
  o.commands.supervisors = 2;
  // Generous: a slow (sanitizer) build must not turn a late answer into a
  // retry. Tests about silent gateways shorten it themselves.
  o.commands.retry.attempt_timeout_ms = 5'000;
  o.commands.retry.timeout_ms = 20'000;
  o.commands.retry.unavailable_backoff_ms = 50;
  // Tests rebuild the table within milliseconds (converge(), or gateways
  // advertising every 200 ms): a short warm-up keeps "unroutable" quick.
  o.route_table.warmup_ms = 1'000;
  o.metrics_interval_ms = 0;
  o.drain_timeout_ms = 2'000;
  o.scheduler_threads = 2;
  return o;
}

/// Broker, Redis, one in-process node, a gateway emulator and a producer.
struct node_fixture {
  mosquitto_server broker;
  redis_server redis;
  metrics::registry sim_metrics;
  sim::emulator_options store;
  node_options opts;
  std::unique_ptr<sim::gateway_emulator> emu;
  std::unique_ptr<sim::job_client> producer;
  std::unique_ptr<node> n;

  /// `gateways` gateways, `esls` ESLs each heard by its home gateway and
  /// `extra` neighbours. `tweak` adjusts the node options before start.
  node_fixture(size_t gateways, size_t esls, size_t extra,
               const std::function<void(node_options&)>& tweak = {}) {
    log::log_options lo;
    lo.level = "warn";
    log::setup(lo);
    opts = test_node_options(broker, redis);
    if (tweak)
      tweak(opts);
    store = sim::gateway_emulator::simple_store(gateways, esls, extra);
    store.mqtt.url = broker.url();
    store.mqtt.client_id = "test-emulator";
    store.mqtt.reconnect_min_ms = 20;
    store.mqtt.reconnect_max_ms = 200;
    emu = std::make_unique<sim::gateway_emulator>(store, sim_metrics);
    REQUIRE(emu->start());
    REQUIRE(emu->wait_ready(10s));
    mqtt::client_options po;
    po.url = broker.url();
    po.client_id = "test-producer";
    po.reconnect_min_ms = 10;
    po.reconnect_max_ms = 100;
    producer = std::make_unique<sim::job_client>(po, opts.intake.topic_prefix, sim_metrics);
    REQUIRE(producer->start());
    REQUIRE(producer->wait_ready(10s));
    start_node();
    converge();
  }

  ~node_fixture() {
    if (n)
      n->stop();
    producer.reset();
    emu.reset();
  }

  void start_node() {
    n = std::make_unique<node>(opts);
    REQUIRE(n->start().empty());
    REQUIRE(n->wait_ready(10s));
  }

  uint64_t counter(const std::string& name) { return n->metrics().counter_value(name); }

  /// Advertises every ESL and waits until the node wrote them all.
  void converge() {
    auto before = counter("status.adverts_applied");
    auto sent = emu->advertise_all();
    REQUIRE(wait_until([&] { return counter("status.adverts_applied") >= before + sent; }, 20s));
  }

  std::vector<esl_mac> esls_of_gateway(size_t g) const {
    std::vector<esl_mac> out;
    for (auto& e : store.esls)
      if (e.heard_by.front().first == store.gateways[g])
        out.push_back(e.esl);
    return out;
  }

  std::vector<esl_mac> all_esls() const {
    std::vector<esl_mac> out;
    for (auto& e : store.esls)
      out.push_back(e.esl);
    return out;
  }

  gw_mac home_of(esl_mac esl) const {
    for (auto& e : store.esls)
      if (e.esl == esl)
        return e.heard_by.front().first;
    FAIL("unknown ESL");
    return {};
  }

  gw_mac runner_up_of(esl_mac esl) const {
    for (auto& e : store.esls)
      if (e.esl == esl)
        return e.heard_by.at(1).first;
    FAIL("unknown ESL");
    return {};
  }

  /// Submits and waits for the result.
  wire::job_result run(const wire::job_submission& job, std::chrono::milliseconds timeout = 60s) {
    REQUIRE(producer->submit(job));
    auto r = producer->wait_result(job.job, timeout);
    REQUIRE(r);
    REQUIRE_FALSE(r->rejected);
    REQUIRE(r->outcomes.size() == job.commands.size());
    return std::move(*r);
  }
};

inline size_t count_status(const wire::job_result& r, outcome_status s) {
  size_t n = 0;
  for (auto& o : r.outcomes)
    n += o.status == s;
  return n;
}

} // namespace shelfwire::testing
