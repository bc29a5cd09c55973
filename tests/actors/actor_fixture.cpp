#include "tests/actors/actor_fixture.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "actors/command/command_supervisor.hpp"
#include "actors/gateway/gateway_egress.hpp"
#include "actors/router/router.hpp"
#include "runtime/cluster/ownership.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/wire/contract.hpp"
#include "runtime/wire/token.hpp"

namespace shelfwire::testing {

namespace {

caf::actor_system_config& init_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.add_message_types<caf::id_block::shelfwire>();
  return cfg;
}

router_pool_handle::behavior_type stub_router(router_pool_handle::pointer self,
                                              std::shared_ptr<dispatch_log> log) {
  return {
      [=](dispatch_atom, dispatch_request& r) -> caf::result<dispatch_result> {
        log->requests.push_back(r);
        log->senders.push_back(caf::actor_cast<caf::actor>(self->current_sender()));
        return self->make_response_promise<dispatch_result>(); // never answered
      },
      [=](lookup_atom, esl_mac esl) {
        route_answer a;
        a.route.esl = esl;
        return a;
      },
  };
}

} // namespace

cluster_member test_node::member() const {
  cluster_member m;
  m.name = ctx->id.name;
  m.incarnation = ctx->id.incarnation;
  m.token_key = ctx->id.token_key;
  m.host = "127.0.0.1";
  m.port = static_cast<uint16_t>(4200 + (ctx->id.incarnation % 100));
  m.up_since_ms = wall_now_ms() - 60'000; // up for a while: not a recent join
  m.manager = manager;
  m.shards = ctx->shards;
  m.name_hash = cluster::member_hash(m.name);
  return m;
}

std::vector<const outcome_log::entry*> outcome_log::of(uint32_t index) const {
  std::vector<const entry*> out;
  for (auto& e : entries)
    if (e.index == index)
      out.push_back(&e);
  return out;
}

actor_fixture::actor_fixture()
    : sys(init_config(cfg))
    , sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}

actor_fixture::~actor_fixture() {
  // End the commands, then every actor; break the context <-> actor cycles.
  for (auto& n : nodes_)
    for (auto& s : n.ctx->shards)
      caf::anon_send(s, shutdown_atom_v);
  sched.run();
  for (auto& n : nodes_) {
    for (auto& s : n.ctx->shards)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    if (n.ctx->routers)
      caf::anon_send_exit(n.ctx->routers, caf::exit_reason::user_shutdown);
  }
  for (auto& a : spawned_)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched.run();
  for (auto& n : nodes_) {
    n.ctx->shards.clear();
    n.ctx->routers = router_pool_handle{};
    n.ctx->cluster.set(std::make_shared<const cluster_view>());
  }
  nodes_.clear();
  spawned_.clear();
  sys.await_actors_before_shutdown(false);
}

node_options actor_fixture::test_options() {
  node_options o;
  o.commands.supervisors = 2;
  o.commands.max_running = 0;
  o.commands.max_restarts = 1;
  o.commands.retry.attempt_timeout_ms = 60'000;
  o.commands.retry.timeout_ms = 600'000;
  o.routers.lookup_timeout_ms = 60'000;
  o.cluster.handoff_timeout_ms = 2'000;
  return o;
}

test_node actor_fixture::make_node(const std::string& name, uint64_t incarnation,
                                   node_options opts) {
  test_node n;
  n.ctx = std::make_shared<node_context>();
  n.ctx->opts = std::move(opts);
  n.ctx->opts.name = name;
  n.ctx->id = node_identity{name, incarnation, {incarnation * 7919 + 1, incarnation}};
  n.ctx->registry = std::make_unique<metrics::registry>(metrics::check_declared);
  n.ctx->metrics = std::make_unique<node_metrics>(*n.ctx->registry);
  n.out = std::make_shared<fake_publisher>();
  n.ctx->egress = n.out;
  n.ctx->gateways =
      std::make_shared<gateway_egress>(n.ctx->opts.gateway.flow, n.out, *n.ctx->registry);
  n.routes = std::make_shared<route_book>();
  n.ctx->make_route_source = [book = n.routes](size_t) {
    return std::make_unique<fake_route_source>(book);
  };
  n.ctx->detach_blocking_actors = false;
  // Its own node id, as if it were its own process: dispatchers and shards
  // tell local from remote by it. Every actor runs in this one system, so to
  // each test node all actors look remote, its own included (no test names
  // a node's own shard as a handoff hint).
  caf::node_id::default_data::host_id_type host{};
  host[0] = static_cast<uint8_t>(incarnation);
  host[1] = 0x5e;
  n.ctx->local_node = caf::make_node_id(static_cast<uint32_t>(1000 + incarnation), host);
  n.ctx->cluster_host = "127.0.0.1";
  n.manager = make_dummy();
  nodes_.push_back(n);
  return n;
}

actor_fixture::router_pool actor_fixture::make_router_pool(test_node& node, size_t n) {
  router_pool rp;
  size_t index = 0;
  rp.pool = caf::actor_pool::make(
      sys.dummy_execution_unit(), n,
      [&] {
        auto r = caf::actor_cast<caf::actor>(spawn_router(sys, node.ctx, index++));
        rp.routers.push_back(r);
        spawned_.push_back(r);
        return r;
      },
      caf::actor_pool::round_robin());
  node.ctx->routers = caf::actor_cast<router_pool_handle>(rp.pool);
  return rp;
}

std::shared_ptr<dispatch_log> actor_fixture::stub_routers(test_node& node) {
  auto log = std::make_shared<dispatch_log>();
  node.ctx->routers = sys.spawn(stub_router, log);
  return log;
}

void actor_fixture::make_shards(test_node& node) {
  for (int i = 0; i < node.ctx->opts.commands.supervisors; ++i)
    node.ctx->shards.push_back(
        sys.spawn(command_supervisor, node_context_ptr{node.ctx}, static_cast<uint64_t>(i)));
  set_view(node, {node.member()});
}

void actor_fixture::set_view(test_node& node, std::vector<cluster_member> members,
                             std::vector<cluster_member> previous) {
  auto old = node.ctx->cluster.get();
  auto v = std::make_shared<cluster_view>();
  v->epoch = old->epoch + 1;
  v->changed_us = steady_now_us();
  v->self_incarnation = node.ctx->id.incarnation;
  auto by_name = [](const cluster_member& a, const cluster_member& b) { return a.name < b.name; };
  std::sort(members.begin(), members.end(), by_name);
  std::sort(previous.begin(), previous.end(), by_name);
  v->members = std::move(members);
  v->previous = std::move(previous);
  node.ctx->cluster.set(std::move(v));
}

caf::actor actor_fixture::make_listener(std::shared_ptr<outcome_log> log) {
  auto a = sys.spawn(
      [log](caf::event_based_actor* self, int) -> caf::behavior {
        return {
            [=](outcome_atom, uint32_t index, command_report& r) {
              log->entries.push_back(
                  {index, std::move(r), caf::actor_cast<caf::actor_addr>(self->current_sender())});
            },
        };
      },
      0);
  spawned_.push_back(a);
  return a;
}

caf::actor actor_fixture::make_dummy() {
  auto a = sys.spawn(
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {
            [](int32_t) {},
        };
      },
      0);
  spawned_.push_back(a);
  return a;
}

void actor_fixture::advance(caf::timespan d) {
  sched.advance_time(d);
  sched.run();
}

esl_mac esl_owned_by(const cluster_view& view, const std::string& owner, uint64_t from) {
  for (uint64_t v = from;; ++v) {
    auto esl = esl_mac::from_u64(v);
    auto o = view.owner(esl);
    if (o != nullptr && o->name == owner)
      return esl;
  }
}

gateway_reply legacy_ack(esl_mac esl, gw_mac gw) {
  gateway_reply r;
  r.esl = esl;
  r.gw = gw;
  r.ack = true;
  return r;
}

gateway_reply answer_to(const test_node& node, const fake_publisher::published& action, bool ack,
                        uint32_t code) {
  auto act = wire::decode_action(action.payload);
  REQUIRE(act);
  auto tok = wire::verify_token(act->id, node.ctx->id.token_key);
  REQUIRE(tok);
  auto gw = wire::gateway_of_topic(node.ctx->opts.gateway.topic_prefix, action.topic, "action");
  REQUIRE(gw);
  gateway_reply r;
  r.command_id = tok->command_id;
  r.attempt = tok->attempt;
  r.esl = act->esl;
  r.gw = *gw;
  r.ack = ack;
  r.code = code;
  return r;
}

} // namespace shelfwire::testing
