// The node rides out broker and Redis restarts: every command gets an
// outcome, and the node works again afterwards.

#include "tests/integration/node/node_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("a broker restart mid-run: every command has an outcome, the node recovers",
          "[node][outage]") {
  node_fixture f{4, 400, 1};
  sim::gateway_behavior slow;
  slow.reply_delay_ms = 20;
  f.emu->set_behavior_all(slow);
  auto job = sim::make_job("during-broker-restart", f.all_esls(), 400);
  REQUIRE(f.producer->submit(job));
  REQUIRE(wait_until([&] { return f.counter("outcomes.acked") >= 50; }, 30s));
  f.broker.restart();
  auto r = f.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  REQUIRE(r->outcomes.size() == 400);
  auto acked = count_status(*r, outcome_status::acked);
  auto timed_out = count_status(*r, outcome_status::timed_out);
  CHECK(acked + timed_out == 400);
  CHECK(acked >= 50);
  CHECK(f.counter("mqtt.egress.reconnects") >= 1);
  // Recovered: a new job goes through completely.
  f.emu->set_behavior_all({});
  auto r2 = f.run(sim::make_job("after-broker-restart", f.all_esls(), 400));
  CHECK(count_status(r2, outcome_status::acked) == 400);
}

TEST_CASE("a Redis restart mid-run: every command has an outcome, the node recovers",
          "[node][outage]") {
  node_fixture f{4, 400, 1};
  sim::gateway_behavior slow;
  slow.reply_delay_ms = 20;
  f.emu->set_behavior_all(slow);
  // Gateways advertise all the time: the table is rebuilt after Redis loses it.
  f.emu->advertise_every(200ms);
  auto job = sim::make_job("during-redis-restart", f.all_esls(), 400);
  REQUIRE(f.producer->submit(job));
  REQUIRE(wait_until([&] { return f.counter("outcomes.acked") >= 50; }, 30s));
  f.redis.restart();
  auto r = f.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  REQUIRE(r->outcomes.size() == 400);
  // Redis came back empty, but the gateways still hear every ESL: a missing
  // route meant "not reported again yet", never unroutable.
  CHECK(count_status(*r, outcome_status::unroutable) == 0);
  CHECK(count_status(*r, outcome_status::acked) + count_status(*r, outcome_status::timed_out) ==
        400);
  CHECK(count_status(*r, outcome_status::acked) >= 50);
  // Recovered: once the table is back, a new job goes through completely.
  f.emu->set_behavior_all({});
  f.converge();
  auto r2 = f.run(sim::make_job("after-redis-restart", f.all_esls(), 400));
  CHECK(count_status(r2, outcome_status::acked) == 400);
}

TEST_CASE("status heard while Redis is down is kept and written when it returns",
          "[node][outage]") {
  node_fixture f{4, 200, 1};
  f.redis.stop();
  // The gateways report once while Redis is down, then fall silent.
  auto sent = f.emu->advertise_all();
  REQUIRE(wait_until(
      [&] {
        return f.n->metrics().get_gauge("status.backlog_adverts").value() >=
               static_cast<int64_t>(sent);
      },
      20s));
  CHECK(f.counter("status.adverts_dropped") == 0);
  // Redis returns empty: the kept status rebuilds the table without a
  // single new report, and every command is routed.
  f.redis.start();
  REQUIRE(wait_until([&] { return f.counter("status.adverts_replayed") >= sent; }, 20s));
  CHECK(f.n->metrics().get_gauge("status.backlog_adverts").value() == 0);
  auto r = f.run(sim::make_job("after-redis-outage", f.all_esls(), 200));
  CHECK(count_status(r, outcome_status::acked) == 200);
}
