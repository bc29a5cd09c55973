// The router pool on the deterministic scheduler, with a fake routing table
// and a fake publisher: answers, faults, and a router taken out of the pool
// while requests wait for it.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "actors/router/router.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);

/// Answers the requester got, by request number.
struct answers {
  std::vector<std::pair<uint32_t, dispatch_result>> results;
  std::vector<uint32_t> errors;
};

dispatch_request request(uint32_t n, esl_mac esl) {
  dispatch_request r;
  r.command_id = n;
  r.seq = n;
  r.attempt = 1;
  r.cmd = command_spec{esl, wire::op_kind::price, {{"price", "1"}}};
  r.ttl_ms = 1000;
  return r;
}

/// An actor that asks `to` for every request in `reqs` when it starts.
caf::actor requester(caf::actor_system& sys, router_pool_handle to,
                     std::vector<dispatch_request> reqs, std::shared_ptr<answers> got) {
  return sys.spawn(
      [=](caf::event_based_actor* self, int) -> caf::behavior {
        for (auto& r : reqs) {
          auto n = r.seq;
          self->request(to, caf::infinite, dispatch_atom_v, r)
              .then([=](const dispatch_result& res) { got->results.emplace_back(n, res); },
                    [=](const caf::error&) { got->errors.push_back(n); });
        }
        return {
            [](int32_t) {},
        };
      },
      0);
}

/// Records the down messages of what it monitors.
caf::actor watcher(caf::actor_system& sys, caf::actor target, std::shared_ptr<bool> down) {
  return sys.spawn(
      [=](caf::event_based_actor* self, int) -> caf::behavior {
        self->monitor(target);
        self->set_down_handler([=](caf::down_msg&) { *down = true; });
        return {
            [](int32_t) {},
        };
      },
      0);
}

} // namespace

TEST_CASE("actors: a router answers sent, no_route, and unavailable on faults", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto routed = esl_mac::from_u64(1);
  auto unknown = esl_mac::from_u64(2);
  a.routes->add(routed, gw_a, -55);
  f.make_router_pool(a, 1);
  auto got = std::make_shared<answers>();
  auto who = requester(f.sys, a.ctx->routers, {request(1, routed), request(2, unknown)}, got);
  f.run();
  REQUIRE(got->results.size() == 2);
  CHECK(got->results[0].second.what == dispatch_result::kind::sent);
  CHECK(got->results[0].second.gw == gw_a);
  CHECK(got->results[0].second.rssi == -55);
  CHECK(got->results[1].second.what == dispatch_result::kind::no_route);
  CHECK(a.out->count("/action") == 1);
  // Both requests were answered by one lookup: the router batches.
  CHECK(a.routes->lookups == 1);

  a.out->fault = mqtt::publish_errc::disconnected; // broker down
  auto got2 = std::make_shared<answers>();
  auto who2 = requester(f.sys, a.ctx->routers, {request(3, routed)}, got2);
  f.run();
  REQUIRE(got2->results.size() == 1);
  CHECK(got2->results[0].second.what == dispatch_result::kind::unavailable);
  CHECK(a.metrics().router_publish_failed.value() == 1);

  a.out->fault = mqtt::publish_errc::ok;
  a.routes->down = true; // Redis down
  auto got3 = std::make_shared<answers>();
  auto who3 = requester(f.sys, a.ctx->routers, {request(4, routed)}, got3);
  f.run();
  REQUIRE(got3->results.size() == 1);
  CHECK(got3->results[0].second.what == dispatch_result::kind::unavailable);
  CHECK(a.metrics().router_unavailable.value() == 2);

  a.routes->down = false;
  a.routes->warming = true; // Redis came back empty: the table is being rebuilt
  auto got4 = std::make_shared<answers>();
  auto who4 = requester(f.sys, a.ctx->routers, {request(5, routed), request(6, unknown)}, got4);
  f.run();
  REQUIRE(got4->results.size() == 2);
  CHECK(got4->results[0].second.what == dispatch_result::kind::sent); // heard again already
  CHECK(got4->results[1].second.what == dispatch_result::kind::warming);
  CHECK(a.metrics().router_warming.value() == 1);
  CHECK(a.metrics().router_no_route.value() == 1); // only the first, before Redis was lost
  for (auto& x : {who, who2, who3, who4})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}

TEST_CASE("actors: a router leaving the pool answers what waits, then hands back", "[actors]") {
  actor_fixture f;
  auto a = f.make_node("a", 1);
  auto esl = esl_mac::from_u64(7);
  a.routes->add(esl, gw_a);
  auto rp = f.make_router_pool(a, 2);
  auto leaving = rp.routers[0];
  auto down = std::make_shared<bool>(false);
  auto watch = watcher(f.sys, leaving, down);
  auto got = std::make_shared<answers>();
  std::vector<dispatch_request> reqs;
  for (uint32_t n = 1; n <= 6; ++n)
    reqs.push_back(request(n, esl));
  auto who = requester(f.sys, a.ctx->routers, reqs, got);
  // Only the requester runs: six requests wait in the two routers' mailboxes.
  f.sched.prioritize(who);
  f.sched.run_once();

  // The inspector's scale-down: out of the pool, then drain.
  caf::anon_send(rp.pool, caf::sys_atom_v, caf::delete_atom_v, leaving);
  caf::anon_send(caf::actor_cast<router_handle>(leaving), drain_atom_v);
  // A request the pool routed to it just before it left.
  auto late =
      requester(f.sys, caf::actor_cast<router_pool_handle>(leaving), {request(7, esl)}, got);
  f.run();
  CHECK(got->errors.empty());
  REQUIRE(got->results.size() == 7);
  for (auto& [n, res] : got->results)
    CHECK(res.what == dispatch_result::kind::sent);
  CHECK(a.metrics().router_handed_back.value() == 1);
  CHECK(a.out->count("/action") == 7);
  CHECK_FALSE(*down); // it stays a moment for stragglers

  f.advance(std::chrono::milliseconds{drain_grace_ms});
  CHECK(*down);
  for (auto& x : {who, late, watch})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}
