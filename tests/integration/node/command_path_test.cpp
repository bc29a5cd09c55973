// One node, end to end: jobs in, actions to gateways, replies back, results out.

#include "tests/integration/node/node_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("1000 commands through one node are all acked via the best gateway", "[node]") {
  node_fixture f{10, 1000, 1};
  auto job = sim::make_job("thousand", f.all_esls(), 1000);
  auto r = f.run(job);
  CHECK(count_status(r, outcome_status::acked) == 1000);
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    auto& o = r.outcomes[i];
    CHECK(o.esl == job.commands[i].esl);
    CHECK(o.attempts == 1);
    REQUIRE(o.gw);
    CHECK(*o.gw == f.home_of(o.esl));
    CHECK(o.latency_us > 0);
  }
  CHECK(r.node == "test-node");
  CHECK(f.counter("outcomes.acked") == 1000);
  CHECK(f.n->metrics().get_gauge("commands.pending").value() == 0);
  CHECK(f.n->metrics().get_gauge("commands.in_flight").value() == 0);
  // Every reply reached its live command; any more were broker redeliveries
  // (QoS 1 after a slow PUBACK or a reconnect), each counted as a duplicate.
  CHECK(f.counter("replies.delivered") - f.counter("replies.duplicate") == 1000);
  CHECK(f.counter("replies.stray") == 0);
  CHECK(f.producer->duplicate_results() == 0);
}

TEST_CASE("several jobs at once each get their own complete result", "[node]") {
  node_fixture f{4, 400, 1};
  auto esls = f.all_esls();
  std::vector<wire::job_submission> jobs;
  for (int j = 0; j < 8; ++j) {
    std::vector<esl_mac> slice(esls.begin() + j * 50, esls.begin() + (j + 1) * 50);
    jobs.push_back(sim::make_job("job-" + std::to_string(j), slice, 50));
    REQUIRE(f.producer->submit(jobs.back()));
  }
  for (auto& job : jobs) {
    auto r = f.producer->wait_result(job.job, 60s);
    REQUIRE(r);
    CHECK(r->outcomes.size() == 50);
    CHECK(count_status(*r, outcome_status::acked) == 50);
  }
}

TEST_CASE("a NACK ends nacked with the gateway's code", "[node]") {
  node_fixture f{3, 30, 1};
  sim::gateway_behavior b;
  b.nack_rate = 1;
  b.nack_code = 3; // low battery: not worth another gateway
  f.emu->set_behavior(f.store.gateways[0], b);
  auto esls = f.esls_of_gateway(0);
  auto r = f.run(sim::make_job("nack", esls, esls.size()));
  CHECK(count_status(r, outcome_status::nacked) == esls.size());
  for (auto& o : r.outcomes) {
    CHECK(o.code == 3);
    CHECK(o.attempts == 1);
    CHECK(o.reason == "gateway_nack");
  }
}

TEST_CASE("a busy NACK is retried through the runner-up gateway", "[node]") {
  node_fixture f{3, 30, 1};
  sim::gateway_behavior b;
  b.nack_rate = 1;
  b.nack_code = 2; // busy: in commands.retry-on-codes
  f.emu->set_behavior(f.store.gateways[0], b);
  auto esls = f.esls_of_gateway(0);
  auto r = f.run(sim::make_job("busy", esls, esls.size()));
  CHECK(count_status(r, outcome_status::acked) == esls.size());
  for (auto& o : r.outcomes) {
    CHECK(o.attempts == 2);
    REQUIRE(o.gw);
    CHECK(*o.gw == f.runner_up_of(o.esl));
  }
}

TEST_CASE("a silent gateway is retried through the runner-up; all silent ends timed_out",
          "[node]") {
  // The retry path itself: no windows, no breaker (a down gateway would
  // spare later commands the silent attempt; inspect_gateways_test and
  // tests/actors/flow_test cover those).
  node_fixture f{3, 30, 1, [](node_options& o) {
                   o.commands.retry.attempt_timeout_ms = 1'000;
                   o.gateway.flow.enabled = false;
                   o.gateway.flow.breaker_silent_attempts = 0;
                 }};
  auto esls = f.esls_of_gateway(0);
  sim::gateway_behavior silent;
  silent.silent = true;
  f.emu->set_behavior(f.store.gateways[0], silent);
  auto r = f.run(sim::make_job("silent-one", esls, esls.size()));
  CHECK(count_status(r, outcome_status::acked) == esls.size());
  for (auto& o : r.outcomes) {
    CHECK(o.attempts == 2);
    CHECK(*o.gw == f.runner_up_of(o.esl));
  }
  f.emu->set_behavior_all(silent);
  auto r2 = f.run(sim::make_job("silent-all", esls, esls.size()));
  CHECK(count_status(r2, outcome_status::timed_out) == esls.size());
  for (auto& o : r2.outcomes) {
    CHECK(o.attempts == 3); // commands.max-attempts
    CHECK(o.reason == "no_reply");
  }
  // Home, runner-up, then home again (least recently tried).
  CHECK(f.emu->actions_for(esls[0]) == 2 + 3);
}

TEST_CASE("an ESL no gateway has heard is unroutable", "[node]") {
  node_fixture f{2, 10, 1};
  std::vector<esl_mac> unknown{esl_mac::from_u64(0x123456789ABCull)};
  auto r = f.run(sim::make_job("unknown", unknown, 1));
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].status == outcome_status::unroutable);
  CHECK(r.outcomes[0].attempts == 0);
  CHECK(r.outcomes[0].reason == "no_fresh_route");
  CHECK_FALSE(r.outcomes[0].gw);
}

TEST_CASE("legacy gateways (no id echoed) still reach their commands", "[node]") {
  node_fixture f{3, 90, 1};
  sim::gateway_behavior legacy;
  legacy.legacy = true;
  f.emu->set_behavior_all(legacy);
  auto r = f.run(sim::make_job("legacy", f.all_esls(), 90));
  CHECK(count_status(r, outcome_status::acked) == 90);
  CHECK(f.counter("replies.legacy") == 90);
}

TEST_CASE("duplicate replies are dropped: one outcome per command", "[node]") {
  node_fixture f{2, 100, 1};
  sim::gateway_behavior dup;
  dup.duplicate_rate = 1;
  f.emu->set_behavior_all(dup);
  auto r = f.run(sim::make_job("dups", f.all_esls(), 100));
  CHECK(count_status(r, outcome_status::acked) == 100);
  // Every second answer arrives after the command ended (late) or while it
  // is still alive (duplicate); none is delivered as a second outcome.
  bool all_dropped = wait_until(
      [&] { return f.counter("replies.late") + f.counter("replies.duplicate") >= 100; }, 10s);
  INFO("late=" << f.counter("replies.late") << " duplicate=" << f.counter("replies.duplicate")
               << " received=" << f.counter("replies.received")
               << " delivered=" << f.counter("replies.delivered")
               << " emu.duplicates=" << f.sim_metrics.counter_value("emu.duplicates")
               << " emu.replies=" << f.sim_metrics.counter_value("emu.replies"));
  REQUIRE(all_dropped);
  CHECK(f.counter("outcomes.acked") == 100);
  CHECK(f.producer->duplicate_results() == 0);
}

TEST_CASE("commands for one ESL run one at a time, in order; waiting ones are superseded",
          "[node]") {
  node_fixture f{2, 4, 1};
  sim::gateway_behavior slow;
  slow.reply_delay_ms = 300; // all 20 are queued long before the first is answered
  f.emu->set_behavior_all(slow);
  auto esl = f.all_esls()[0];
  wire::job_submission job;
  job.job = "one-esl";
  for (int i = 0; i < 20; ++i) {
    wire::job_command c;
    c.esl = esl;
    c.op = i % 2 ? wire::op_kind::blink : wire::op_kind::price;
    c.args.emplace_back("n", std::to_string(i));
    job.commands.push_back(c);
  }
  auto r = f.run(job);
  CHECK(f.emu->observation(esl).max_in_flight == 1);
  // The first runs at once; of those waiting behind it, only the newest
  // price and the newest blink survive.
  CHECK(r.outcomes[0].status == outcome_status::acked);
  CHECK(r.outcomes[18].status == outcome_status::acked);
  CHECK(r.outcomes[19].status == outcome_status::acked);
  CHECK(count_status(r, outcome_status::superseded) == 17);
  auto order = f.emu->observation(esl).op_order;
  REQUIRE(order.size() == 3);
  CHECK(order[0] == "price:n=0");
  CHECK(order[1] == "price:n=18");
  CHECK(order[2] == "blink:n=19");
}

TEST_CASE("a crashed command actor is restarted; past the budget it ends failed", "[node]") {
  SECTION("restarted") {
    node_fixture f{2, 100, 1, [](node_options& o) {
                     o.commands.fault_crash_one_in = 10;
                     o.commands.max_restarts = 1;
                   }};
    auto r = f.run(sim::make_job("crash-restart", f.all_esls(), 100));
    CHECK(count_status(r, outcome_status::acked) == 100);
    CHECK(f.counter("commands.restarts") >= 9);
  }
  SECTION("failed") {
    node_fixture f{2, 100, 1, [](node_options& o) {
                     o.commands.fault_crash_one_in = 10;
                     o.commands.max_restarts = 0;
                   }};
    auto r = f.run(sim::make_job("crash-fail", f.all_esls(), 100));
    auto failed = count_status(r, outcome_status::failed);
    CHECK(failed >= 9);
    CHECK(failed + count_status(r, outcome_status::acked) == 100);
    for (auto& o : r.outcomes)
      if (o.status == outcome_status::failed)
        CHECK(o.reason == "crashed");
  }
}

TEST_CASE("stopping a node ends in-flight commands failed and still publishes results", "[node]") {
  node_fixture f{2, 20, 1, [](node_options& o) { o.drain_timeout_ms = 200; }};
  sim::gateway_behavior silent;
  silent.silent = true;
  f.emu->set_behavior_all(silent);
  auto job = sim::make_job("shutdown", f.all_esls(), 20);
  REQUIRE(f.producer->submit(job));
  // 16 actions out (2 gateways x a window of 8), 4 waiting for a window:
  // those end failed too.
  REQUIRE(wait_until(
      [&] { return f.counter("router.dispatched") + f.counter("gateway.waited") >= 20; }, 10s));
  f.n->stop();
  auto r = f.producer->wait_result("shutdown", 10s);
  REQUIRE(r);
  REQUIRE(r->outcomes.size() == 20);
  CHECK(count_status(*r, outcome_status::failed) == 20);
  for (auto& o : r->outcomes)
    CHECK(o.reason == "shutdown");
}

TEST_CASE("several response and status consumers, shards and routers share the work", "[node]") {
  node_fixture f{8, 1000, 1, [](node_options& o) {
                   o.gateway.response_consumers = 3;
                   o.routing.consumers = 2;
                   o.commands.supervisors = 3;
                   o.routers.pool_size = 6;
                 }};
  auto r = f.run(sim::make_job("fan-out", f.all_esls(), 1000));
  CHECK(count_status(r, outcome_status::acked) == 1000);
  // The broker spread the shared subscriptions over every consumer.
  for (int i = 0; i < 3; ++i)
    CHECK(f.counter("mqtt.responses" + std::to_string(i) + ".received") > 0);
  for (int i = 0; i < 2; ++i)
    CHECK(f.counter("mqtt.status" + std::to_string(i) + ".received") > 0);
  // Each reply the emulator sent reached exactly one consumer. (Usually 1000;
  // more when a slow router lookup, e.g. under sanitizers, made a command ask
  // again: the second action's reply is counted late and dropped.)
  auto received = [&] {
    return f.counter("mqtt.responses0.received") + f.counter("mqtt.responses1.received") +
           f.counter("mqtt.responses2.received");
  };
  const uint64_t sent = f.sim_metrics.counter_value("emu.replies");
  CHECK(sent >= 1000);
  CHECK(wait_until(
      [&] {
        return received() == f.sim_metrics.counter_value("emu.replies") &&
               f.counter("replies.received") == received();
      },
      10s));
}

TEST_CASE("outcomes the supervisor writes itself keep the attempts and the gateway", "[node]") {
  node_fixture f{2, 20, 1, [](node_options& o) {
                   o.commands.fault_crash_one_in = 1; // every command's first run crashes
                   o.commands.max_restarts = 1;
                 }};
  auto r = f.run(sim::make_job("restart-attempts", f.all_esls(), 20));
  // Crashed at start (before any action), restarted, then acked at once:
  // one action in all.
  for (auto& o : r.outcomes) {
    CHECK(o.status == outcome_status::acked);
    CHECK(o.attempts == 1);
  }
}
