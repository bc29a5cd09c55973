#pragma once

// Deterministic actor tests: the actors of a node under CAF's test_coordinator
// (one thread, messages run when the test says so, a test clock for timeouts),
// with fakes for the MQTT publisher and the route source. Zeek Broker's test
// fixture (tests/cpp/test.hh, on CAF 0.17.6) is the model; assertions are
// Catch2's.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "tests/actors/fakes.hpp"

namespace shelfwire::testing {

/// One node as the tests build it: a context whose ports are fakes. Nothing
/// runs until the test spawns it (make_shards, make_router_pool, ...).
struct test_node {
  std::shared_ptr<node_context> ctx;
  std::shared_ptr<fake_publisher> out;
  std::shared_ptr<route_book> routes;
  caf::actor manager; ///< stands for its cluster manager in views

  /// This node as a member of a cluster view.
  cluster_member member() const;
  node_metrics& metrics() const { return *ctx->metrics; }
};

/// The outcomes a listener received, in arrival order.
struct outcome_log {
  struct entry {
    uint32_t index = 0;
    command_report report;
    caf::actor_addr from; ///< the shard that reported it
  };
  std::vector<entry> entries;

  /// The outcomes of command `index` (a test expects exactly one).
  std::vector<const entry*> of(uint32_t index) const;
};

/// What a stub router pool was asked, and by whom.
struct dispatch_log {
  std::vector<dispatch_request> requests;
  std::vector<caf::actor> senders; ///< the asking command actors
  std::vector<caf::typed_response_promise<dispatch_result>> pending;
};

class actor_fixture {
public:
  actor_fixture();
  ~actor_fixture();
  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

  /// Node options for tests: two shards, generous retry timeouts (timers
  /// fire only when a test moves the clock on), no fault hooks.
  static node_options test_options();

  /// A node context named `name`, with a node id of its own (not the actor
  /// system's); the cluster view holds this node alone.
  test_node make_node(const std::string& name, uint64_t incarnation,
                      node_options opts = test_options());
  /// A caf::actor_pool and the routers in it.
  struct router_pool {
    caf::actor pool;
    std::vector<caf::actor> routers;
  };
  /// `n` real routers of `node` (on the deterministic scheduler, reading
  /// `node.routes`, publishing to `node.out`) behind a caf::actor_pool.
  router_pool make_router_pool(test_node& node, size_t n);
  /// A stub in place of `node`'s router pool: records each request, never answers.
  std::shared_ptr<dispatch_log> stub_routers(test_node& node);
  /// `node`'s supervisor shards (opts.commands.supervisors of them).
  void make_shards(test_node& node);
  /// Sets `node`'s cluster view: `members` now, and `previous` until a
  /// change just now (empty: no recent change).
  void set_view(test_node& node, std::vector<cluster_member> members,
                std::vector<cluster_member> previous = {});
  /// An actor that records every (outcome_atom, index, report) it receives;
  /// tests submit on its behalf with caf::send_as.
  caf::actor make_listener(std::shared_ptr<outcome_log> log);
  /// A do-nothing actor (a stand-in handle).
  caf::actor make_dummy();
  // Test actors made from lambdas take one unused int argument: CAF 0.17.6
  // binds a null reference for an actor spawned without arguments
  // (init_fun_factory; UBSan: "reference binding to null pointer").

  /// Runs every message that is ready; timeouts stay pending.
  size_t run() { return sched.run(); }
  /// Moves the test clock on by `d`, firing what is due, then runs.
  void advance(caf::timespan d);

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;

private:
  std::vector<test_node> nodes_;
  std::vector<caf::actor> spawned_; ///< exited at teardown
};

/// The first ESL, counting from `from`, that `view` gives to the member
/// named `owner`.
esl_mac esl_owned_by(const cluster_view& view, const std::string& owner, uint64_t from = 1);

/// A gateway's ACK for `esl` as the ingress hands it on (legacy: no token).
gateway_reply legacy_ack(esl_mac esl, gw_mac gw);

/// The gateway's answer to a published action, as the ingress hands it on
/// after checking the token against `node`'s secret.
gateway_reply answer_to(const test_node& node, const fake_publisher::published& action, bool ack,
                        uint32_t code = 0);

} // namespace shelfwire::testing
