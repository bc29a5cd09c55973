// A supervisor shard with its command actors and routers, on the
// deterministic scheduler: the path of one command, restarts, shutdown.

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);
const gw_mac gw_b = gw_mac::from_u64(0xB0);

command_spec price(esl_mac esl, const std::string& value = "1.99") {
  return command_spec{esl, wire::op_kind::price, {{"price", value}}};
}

} // namespace

TEST_CASE("actors: a command goes through a router and ends acked", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto esl = esl_mac::from_u64(0x42);
  a.routes->add(esl, gw_a, -50);
  f.make_router_pool(a, 2);
  f.make_shards(a);
  auto log = std::make_shared<outcome_log>();
  auto client = f.make_listener(log);
  auto shard = a.ctx->shard_of(esl);

  caf::send_as(client, shard, submit_atom_v, uint32_t{7}, price(esl), caf::actor{});
  f.run();
  REQUIRE(a.out->sent.size() == 1);
  auto& action = a.out->sent[0];
  CHECK(action.topic == wire::action_topic(a.ctx->opts.gateway.topic_prefix, gw_a));
  CHECK(action.qos == 1);
  CHECK(log->entries.empty());

  caf::anon_send(shard, reply_atom_v, answer_to(a, action, true));
  f.run();
  auto out = log->of(7);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::acked);
  CHECK(out[0]->report.outcome.attempts == 1);
  CHECK(out[0]->report.outcome.gw == gw_a);
  CHECK(out[0]->report.esl == esl);
  CHECK(out[0]->from == shard.address());
  CHECK(a.metrics().commands_started.value() == 1);
  CHECK(a.metrics().replies_delivered.value() == 1);
  CHECK(a.metrics().commands_pending.value() == 0);
  CHECK(a.metrics().commands_in_flight.value() == 0);

  // A second answer to the same attempt finds the command gone.
  caf::anon_send(shard, reply_atom_v, answer_to(a, action, true));
  f.run();
  CHECK(a.metrics().replies_late.value() == 1);
  CHECK(log->entries.size() == 1);
}

TEST_CASE("actors: a NACK moves the command to the runner-up gateway", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto esl = esl_mac::from_u64(0x43);
  a.routes->add(esl, gw_a, -50);
  a.routes->add(esl, gw_b, -70);
  f.make_router_pool(a, 1);
  f.make_shards(a);
  auto log = std::make_shared<outcome_log>();
  auto client = f.make_listener(log);
  auto shard = a.ctx->shard_of(esl);

  caf::send_as(client, shard, submit_atom_v, uint32_t{0}, price(esl), caf::actor{});
  f.run();
  REQUIRE(a.out->sent.size() == 1);
  caf::anon_send(shard, reply_atom_v, answer_to(a, a.out->sent[0], false, nack_code::busy));
  f.run();
  REQUIRE(a.out->sent.size() == 2);
  CHECK(a.out->sent[1].topic == wire::action_topic(a.ctx->opts.gateway.topic_prefix, gw_b));
  caf::anon_send(shard, reply_atom_v, answer_to(a, a.out->sent[1], true));
  f.run();
  auto out = log->of(0);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::acked);
  CHECK(out[0]->report.outcome.attempts == 2);
  CHECK(out[0]->report.outcome.gw == gw_b);
}

TEST_CASE("actors: a crashed command actor is restarted, then ends failed", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1); // commands.max-restarts = 1
  auto asked = f.stub_routers(a);
  f.make_shards(a);
  auto log = std::make_shared<outcome_log>();
  auto client = f.make_listener(log);
  auto esl = esl_mac::from_u64(0x44);
  auto shard = a.ctx->shard_of(esl);

  caf::send_as(client, shard, submit_atom_v, uint32_t{3}, price(esl), caf::actor{});
  f.run();
  REQUIRE(asked->senders.size() == 1);
  auto first = asked->senders[0];

  caf::anon_send(caf::actor_cast<command_handle>(first), crash_atom_v);
  f.run();
  REQUIRE(asked->senders.size() == 2); // the restarted actor asks again
  auto second = asked->senders[1];
  CHECK(second != first);
  CHECK(a.metrics().commands_restarts.value() == 1);
  CHECK(a.metrics().commands_started.value() == 1); // a restart is not a new start
  CHECK(a.metrics().commands_in_flight.value() == 1);
  CHECK(log->entries.empty());

  caf::anon_send(caf::actor_cast<command_handle>(second), crash_atom_v);
  f.run();
  auto out = log->of(3);
  REQUIRE(out.size() == 1);
  CHECK(out[0]->report.outcome.status == outcome_status::failed);
  CHECK(out[0]->report.outcome.reason == outcome_reason::crashed);
  CHECK(asked->senders.size() == 2);
  CHECK(a.metrics().commands_in_flight.value() == 0);
  CHECK(a.metrics().commands_pending.value() == 0);
  CHECK(a.metrics().outcome(outcome_status::failed).value() == 1);
}

TEST_CASE("actors: commands of one ESL run one at a time, in order", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto esl = esl_mac::from_u64(0x45);
  a.routes->add(esl, gw_a);
  f.make_router_pool(a, 1);
  f.make_shards(a);
  auto log = std::make_shared<outcome_log>();
  auto client = f.make_listener(log);
  auto shard = a.ctx->shard_of(esl);

  caf::send_as(client, shard, submit_atom_v, uint32_t{0}, price(esl, "1"), caf::actor{});
  caf::send_as(client, shard, submit_atom_v, uint32_t{1},
               command_spec{esl, wire::op_kind::image, {}}, caf::actor{});
  caf::send_as(client, shard, submit_atom_v, uint32_t{2}, price(esl, "2"), caf::actor{});
  caf::send_as(client, shard, submit_atom_v, uint32_t{3}, price(esl, "3"), caf::actor{});
  f.run();
  // One action out; the waiting price 2 was replaced by price 3.
  REQUIRE(a.out->sent.size() == 1);
  REQUIRE(log->of(2).size() == 1);
  CHECK(log->of(2)[0]->report.outcome.status == outcome_status::superseded);
  CHECK(a.metrics().commands_queued_behind_esl.value() == 3);

  for (size_t k = 0; k < 3; ++k) {
    REQUIRE(a.out->sent.size() == k + 1);
    caf::anon_send(shard, reply_atom_v, answer_to(a, a.out->sent[k], true));
    f.run();
  }
  std::vector<uint32_t> order;
  for (auto& e : log->entries)
    order.push_back(e.index);
  CHECK(order == std::vector<uint32_t>{2, 0, 1, 3});
}

TEST_CASE("actors: shutdown ends every held command failed, once", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto asked = f.stub_routers(a);
  f.make_shards(a);
  auto log = std::make_shared<outcome_log>();
  auto client = f.make_listener(log);
  auto esl = esl_mac::from_u64(0x46);
  auto shard = a.ctx->shard_of(esl);
  caf::send_as(client, shard, submit_atom_v, uint32_t{0}, price(esl), caf::actor{});
  caf::send_as(client, shard, submit_atom_v, uint32_t{1},
               command_spec{esl, wire::op_kind::blink, {}}, caf::actor{});
  f.run();
  REQUIRE(asked->senders.size() == 1);

  caf::anon_send(shard, shutdown_atom_v);
  f.run();
  REQUIRE(log->entries.size() == 2);
  for (auto& e : log->entries) {
    CHECK(e.report.outcome.status == outcome_status::failed);
    CHECK(e.report.outcome.reason == outcome_reason::shutdown);
  }
  // Taken after shutdown: ends at once.
  caf::send_as(client, shard, submit_atom_v, uint32_t{2}, price(esl), caf::actor{});
  f.run();
  REQUIRE(log->of(2).size() == 1);
  CHECK(log->of(2)[0]->report.outcome.reason == outcome_reason::shutdown);
  CHECK(asked->senders.size() == 1);
  CHECK(a.metrics().commands_pending.value() == 0);
}
