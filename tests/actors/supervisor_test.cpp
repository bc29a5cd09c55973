// A supervisor shard with its command actors and routers, on the
// deterministic scheduler: the path of one command, restarts, shutdown.

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);
const gw_mac gw_b = gw_mac::from_u64(0xB0);

command_spec price(esl_mac esl, const std::string& value = "1.99") {
  return command_spec{esl, wire::op_kind::price, {{"price", value}}};
}

/// One node: real routers (or a stub that never answers), its shards, and a
/// client that submits commands and collects their outcomes.
struct one_node {
  actor_fixture f;
  test_node a = f.make_node("a", 1);
  std::shared_ptr<dispatch_log> asked; ///< with the stub
  std::shared_ptr<outcome_log> log = std::make_shared<outcome_log>();
  caf::actor client;

  explicit one_node(bool real_routers = true) {
    if (real_routers)
      f.make_router_pool(a, 2);
    else
      asked = f.stub_routers(a);
    f.make_shards(a);
    client = f.make_listener(log);
  }
  shard_handle shard(esl_mac esl) const { return a.ctx->shard_of(esl); }
  void submit(uint32_t index, command_spec cmd) {
    auto to = shard(cmd.esl);
    caf::send_as(client, to, submit_atom_v, index, std::move(cmd), caf::actor{});
  }
  /// The gateway answers the k-th action published.
  void answer(size_t k, bool ack, uint32_t code = 0) {
    auto r = answer_to(a, a.out->sent.at(k), ack, code);
    caf::anon_send(shard(r.esl), reply_atom_v, r);
  }
  node_metrics& metrics() { return a.metrics(); }
};

} // namespace

TEST_CASE("actors: a command goes through a router and ends acked", "[actors]") {
  one_node n;
  auto esl = esl_mac::from_u64(0x42);
  n.a.routes->add(esl, gw_a, -50);
  n.submit(7, price(esl));
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 1);
  auto& action = n.a.out->sent[0];
  CHECK(action.topic == wire::action_topic(n.a.ctx->opts.gateway.topic_prefix, gw_a));
  CHECK(action.qos == 1);
  CHECK(n.log->entries.empty());

  n.answer(0, true);
  n.f.run();
  auto out = n.log->of(7);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::acked);
  CHECK(out[0]->report.outcome.attempts == 1);
  CHECK(out[0]->report.outcome.gw == gw_a);
  CHECK(out[0]->report.esl == esl);
  CHECK(out[0]->from == n.shard(esl).address());
  CHECK(n.metrics().commands_started.value() == 1);
  CHECK(n.metrics().replies_delivered.value() == 1);
  CHECK(n.metrics().commands_pending.value() == 0);
  CHECK(n.metrics().commands_in_flight.value() == 0);

  // A second answer to the same attempt finds the command gone.
  n.answer(0, true);
  n.f.run();
  CHECK(n.metrics().replies_late.value() == 1);
  CHECK(n.log->entries.size() == 1);
}

TEST_CASE("actors: a NACK 'not in range' moves the command to the runner-up gateway at once",
          "[actors]") {
  one_node n;
  auto esl = esl_mac::from_u64(0x43);
  n.a.routes->add(esl, gw_a, -50);
  n.a.routes->add(esl, gw_b, -70);
  n.submit(0, price(esl));
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 1);
  n.answer(0, false, nack_code::not_in_range); // busy waits a backoff first (command_fsm tests)
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 2);
  CHECK(n.a.out->sent[1].topic == wire::action_topic(n.a.ctx->opts.gateway.topic_prefix, gw_b));
  n.answer(1, true);
  n.f.run();
  auto out = n.log->of(0);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::acked);
  CHECK(out[0]->report.outcome.attempts == 2);
  CHECK(out[0]->report.outcome.gw == gw_b);
}

TEST_CASE("actors: a crashed command actor is restarted, then ends failed", "[actors]") {
  one_node n{false}; // commands.max-restarts = 1
  auto esl = esl_mac::from_u64(0x44);
  n.submit(3, price(esl));
  n.f.run();
  REQUIRE(n.asked->senders.size() == 1);
  auto first = n.asked->senders[0];

  caf::anon_send(caf::actor_cast<command_handle>(first), crash_atom_v);
  n.f.run();
  REQUIRE(n.asked->senders.size() == 2); // the restarted actor asks again
  auto second = n.asked->senders[1];
  CHECK(second != first);
  CHECK(n.metrics().commands_restarts.value() == 1);
  CHECK(n.metrics().commands_started.value() == 1); // a restart is not a new start
  CHECK(n.metrics().commands_in_flight.value() == 1);
  CHECK(n.log->entries.empty());

  caf::anon_send(caf::actor_cast<command_handle>(second), crash_atom_v);
  n.f.run();
  auto out = n.log->of(3);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::failed);
  CHECK(out[0]->report.outcome.reason == outcome_reason::crashed);
  CHECK(n.asked->senders.size() == 2);
  CHECK(n.metrics().commands_in_flight.value() == 0);
  CHECK(n.metrics().commands_pending.value() == 0);
  CHECK(n.metrics().outcome(outcome_status::failed).value() == 1);
}

TEST_CASE("actors: commands of one ESL run one at a time, in order", "[actors]") {
  one_node n;
  auto esl = esl_mac::from_u64(0x45);
  n.a.routes->add(esl, gw_a);
  n.submit(0, price(esl, "1"));
  n.submit(1, command_spec{esl, wire::op_kind::image, {}});
  n.submit(2, price(esl, "2"));
  n.submit(3, price(esl, "3"));
  n.f.run();
  // One action out; the waiting price 2 was replaced by price 3.
  REQUIRE(n.a.out->sent.size() == 1);
  REQUIRE(n.log->of(2).size() == 1);
  CHECK(n.log->of(2)[0]->report.outcome.status == outcome_status::superseded);
  CHECK(n.metrics().commands_queued_behind_esl.value() == 3);

  for (size_t k = 0; k < 3; ++k) {
    REQUIRE(n.a.out->sent.size() == k + 1);
    n.answer(k, true);
    n.f.run();
  }
  std::vector<uint32_t> order;
  for (auto& e : n.log->entries)
    order.push_back(e.index);
  CHECK(order == std::vector<uint32_t>{2, 0, 1, 3});
}

TEST_CASE("actors: shutdown ends every held command failed, once", "[actors]") {
  one_node n{false};
  auto esl = esl_mac::from_u64(0x46);
  n.submit(0, price(esl));
  n.submit(1, command_spec{esl, wire::op_kind::blink, {}});
  n.f.run();
  REQUIRE(n.asked->senders.size() == 1);

  caf::anon_send(n.shard(esl), shutdown_atom_v);
  n.f.run();
  REQUIRE(n.log->entries.size() == 2);
  for (auto& e : n.log->entries) {
    CHECK(e.report.outcome.status == outcome_status::failed);
    CHECK(e.report.outcome.reason == outcome_reason::shutdown);
  }
  // Taken after shutdown: ends at once.
  n.submit(2, price(esl));
  n.f.run();
  REQUIRE(n.log->of(2).size() == 1);
  CHECK(n.log->of(2)[0]->report.outcome.reason == outcome_reason::shutdown);
  CHECK(n.asked->senders.size() == 1);
  CHECK(n.metrics().commands_pending.value() == 0);
}

TEST_CASE("actors: no route while Redis' table is rebuilt: the command waits, then goes out",
          "[actors]") {
  one_node n;
  // The shard's timers follow the real steady clock: a 1 ms backoff keeps
  // the wait below short.
  n.a.ctx->opts.commands.retry.unavailable_backoff_ms = 1;
  auto esl = esl_mac::from_u64(0x45);
  n.a.routes->warming = true; // Redis restarted empty; gateways not heard again yet
  n.submit(5, price(esl));
  n.f.run();
  CHECK(n.a.out->sent.empty());
  CHECK(n.log->entries.empty()); // not unroutable
  CHECK(n.metrics().router_warming.value() == 1);
  CHECK(n.metrics().router_no_route.value() == 0);

  // The gateway reports the ESL again; the command asks after its backoff.
  // The test clock follows the real one (never ahead of it: a tick that came
  // before the real due time would find nothing due).
  n.a.routes->add(esl, gw_a, -50);
  auto last = std::chrono::steady_clock::now();
  REQUIRE(wait_until(
      [&] {
        auto now = std::chrono::steady_clock::now();
        n.f.advance(std::chrono::duration_cast<caf::timespan>(now - last));
        last = now;
        return !n.a.out->sent.empty();
      },
      std::chrono::seconds{5}));
  REQUIRE(n.a.out->sent.size() == 1);
  n.answer(0, true);
  n.f.run();
  auto out = n.log->of(5);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::acked);

  SECTION("once rebuilt, a missing route is unroutable at once") {
    n.a.routes->warming = false;
    n.submit(6, price(esl_mac::from_u64(0x46)));
    n.f.run();
    auto un = n.log->of(6);
    REQUIRE(un.size() == 1);
    CHECK(un[0]->report.outcome.status == outcome_status::unroutable);
    CHECK(un[0]->report.outcome.reason == outcome_reason::no_fresh_route);
  }
}
