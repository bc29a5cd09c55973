// Per-gateway windows on the deterministic scheduler: a command whose
// gateway's window is full waits in the node without its attempt timer and
// goes out when an earlier action of that gateway ends; a higher priority
// overtakes; load-aware routing sends to the runner-up within the margin.

#include <catch2/catch.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);
const gw_mac gw_b = gw_mac::from_u64(0xB0);

command_spec price(esl_mac esl, priority p = priority::normal) {
  command_spec c{esl, wire::op_kind::price, {{"price", "1.00"}}};
  c.prio = p;
  return c;
}

node_options windowed(int64_t window, int64_t margin_db) {
  auto o = actor_fixture::test_options();
  o.gateway.flow.window_initial = window;
  o.gateway.flow.window_min = window;
  o.gateway.flow.window_max = window;
  o.gateway.flow.balance_margin_db = margin_db;
  return o;
}

struct windowed_node {
  actor_fixture f;
  test_node a;
  std::shared_ptr<outcome_log> log = std::make_shared<outcome_log>();
  caf::actor client;

  windowed_node(int64_t window, int64_t margin_db = 0)
      : a(f.make_node("a", 1, windowed(window, margin_db))) {
    f.make_router_pool(a, 2);
    f.make_shards(a);
    client = f.make_listener(log);
  }
  void submit(uint32_t index, command_spec cmd) {
    auto to = a.ctx->shard_of(cmd.esl);
    caf::send_as(client, to, submit_atom_v, index, std::move(cmd), caf::actor{});
  }
  void answer(size_t k, bool ack, uint32_t code = 0) {
    auto r = answer_to(a, a.out->sent.at(k), ack, code);
    caf::anon_send(a.ctx->shard_of(r.esl), reply_atom_v, r);
  }
  std::string topic_of(gw_mac gw) const {
    return wire::action_topic(a.ctx->opts.gateway.topic_prefix, gw);
  }
  esl_mac esl_of(size_t k) const { return answer_to(a, a.out->sent.at(k), true).esl; }
  int64_t counter(const char* name) {
    return static_cast<int64_t>(a.ctx->registry->get_counter(name).value());
  }
};

} // namespace

TEST_CASE("actors: commands beyond a gateway's window wait in the node, in order, and go as "
          "earlier actions end",
          "[actors][flow]") {
  windowed_node n{2};
  for (uint32_t i = 0; i < 5; ++i) {
    auto esl = esl_mac::from_u64(0x100 + i);
    n.a.routes->add(esl, gw_a, -50);
    n.submit(i, price(esl));
    n.f.run(); // in submission order
  }
  // Two in flight, three waiting: not published, not NACKed, no outcome.
  REQUIRE(n.a.out->sent.size() == 2);
  CHECK(n.log->entries.empty());
  auto st = n.a.ctx->gateways->stats();
  REQUIRE(st.size() == 1);
  CHECK(st[0].in_flight == 2);
  CHECK(st[0].waiting == 3);
  CHECK(n.counter("gateway.waited") == 3);
  // Each answer lets exactly the next one go, in submission order.
  for (size_t k = 0; k < 5; ++k) {
    n.answer(k, true);
    n.f.run();
    auto expect_sent = std::min<size_t>(k + 3, 5);
    REQUIRE(n.a.out->sent.size() == expect_sent);
    if (k + 2 < 5)
      CHECK(n.esl_of(k + 2) == esl_mac::from_u64(0x100 + k + 2));
  }
  CHECK(n.counter("replies.stray") == 0);
  REQUIRE(n.log->entries.size() == 5);
  for (auto& e : n.log->entries)
    CHECK(e.report.outcome.status == outcome_status::acked);
  st = n.a.ctx->gateways->stats();
  CHECK(st[0].in_flight == 0);
  CHECK(st[0].waiting == 0);
  CHECK(n.counter("gateway.window_sends") == 3);
}

TEST_CASE("actors: a high-priority command overtakes waiting bulk ones at the gateway window",
          "[actors][flow]") {
  windowed_node n{1};
  for (uint32_t i = 0; i < 4; ++i) {
    auto esl = esl_mac::from_u64(0x200 + i);
    n.a.routes->add(esl, gw_a, -50);
    n.submit(i, price(esl, i == 3 ? priority::high : priority::bulk));
    n.f.run();
  }
  REQUIRE(n.a.out->sent.size() == 1);
  n.answer(0, true);
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 2);
  CHECK(n.esl_of(1) == esl_mac::from_u64(0x203)); // the high one, submitted last
}

TEST_CASE("actors: load-aware routing sends to the runner-up within the margin, never outside it",
          "[actors][flow]") {
  windowed_node n{1, 6};
  auto first = esl_mac::from_u64(0x300);
  n.a.routes->add(first, gw_a, -50);
  n.submit(0, price(first));
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 1); // gw_a's window is now full
  auto near = esl_mac::from_u64(0x301);
  n.a.routes->add(near, gw_a, -50);
  n.a.routes->add(near, gw_b, -55);
  n.submit(1, price(near));
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 2);
  CHECK(n.a.out->sent[1].topic == n.topic_of(gw_b));
  CHECK(n.counter("routing.balanced") == 1);
  auto far = esl_mac::from_u64(0x302);
  n.a.routes->add(far, gw_a, -50);
  n.a.routes->add(far, gw_b, -70);
  n.submit(2, price(far));
  n.f.run();
  CHECK(n.a.out->sent.size() == 2); // waits for gw_a: gw_b is 20 dB weaker
  n.answer(0, true);
  n.f.run();
  REQUIRE(n.a.out->sent.size() == 3);
  CHECK(n.a.out->sent[2].topic == n.topic_of(gw_a));
}
