// Two members' shards in one actor system, on the deterministic scheduler:
// the handoff of an ESL between its old and new owner, legacy replies that
// go on to the previous owner, and a job's dispatcher when a shard it sent
// commands to goes down.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "actors/node/local_client.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);

command_spec price(esl_mac esl, const std::string& value = "1.99") {
  return command_spec{esl, wire::op_kind::price, {{"price", value}}};
}

/// Member "b" owned every ESL until "a" joined just now: the view of "a"
/// says so, the view of "b" knows only itself.
struct handoff_fixture {
  actor_fixture f;
  test_node a = f.make_node("a", 1);
  test_node b = f.make_node("b", 2);
  std::shared_ptr<outcome_log> log = std::make_shared<outcome_log>();
  caf::actor client = f.make_listener(log);
  esl_mac esl;

  handoff_fixture() {
    f.make_router_pool(a, 1);
    f.make_router_pool(b, 1);
    f.make_shards(a);
    f.make_shards(b);
    f.set_view(a, {a.member(), b.member()}, {b.member()});
    esl = esl_owned_by(*a.ctx->cluster.get(), "a");
    a.routes->add(esl, gw_a);
    b.routes->add(esl, gw_a);
  }

  shard_handle old_shard() const { return b.member().shard_of(esl); }
  shard_handle new_shard() const { return a.member().shard_of(esl); }
};

/// Members "a" and "b" with stub routers (commands stay in flight), and
/// node "a"'s local client, whose dispatcher sends each command to its
/// ESL's owner. Collects the outcomes the client's callbacks get.
struct two_members {
  actor_fixture f;
  test_node a = f.make_node("a", 1);
  test_node b = f.make_node("b", 2);
  std::shared_ptr<dispatch_log> asked_a = f.stub_routers(a);
  std::shared_ptr<dispatch_log> asked_b = f.stub_routers(b);
  caf::actor local;
  std::vector<command_report> done;

  two_members() {
    f.make_shards(a);
    f.make_shards(b);
    f.set_view(a, {a.member(), b.member()});
    local = f.sys.spawn(local_client, node_context_ptr{a.ctx});
  }
  ~two_members() {
    caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
    f.run();
  }
  esl_mac owned_by(const std::string& name, uint64_t from = 1) const {
    return esl_owned_by(*a.ctx->cluster.get(), name, from);
  }
  void submit(esl_mac esl, const std::string& v) {
    local_submission s;
    s.cmd = price(esl, v);
    s.done = [this](const command_report& rep) { done.push_back(rep); };
    caf::anon_send(local, std::move(s));
  }
};

} // namespace

TEST_CASE("actors: the new owner waits for the old owner's command of the ESL", "[actors]") {
  handoff_fixture h;
  caf::send_as(h.client, h.old_shard(), submit_atom_v, uint32_t{0}, price(h.esl, "1"),
               caf::actor{});
  h.f.run();
  REQUIRE(h.b.out->sent.size() == 1); // the old owner's command is in flight

  caf::send_as(h.client, h.new_shard(), submit_atom_v, uint32_t{1}, price(h.esl, "2"),
               caf::actor{});
  h.f.run();
  CHECK(h.a.out->sent.empty()); // waits for the old owner
  CHECK(h.a.metrics().cluster_handoffs.value() == 1);

  caf::anon_send(h.old_shard(), reply_atom_v, answer_to(h.b, h.b.out->sent[0], true));
  h.f.run();
  REQUIRE(h.log->of(0).size() == 1);
  CHECK(h.log->of(0)[0]->report.outcome.status == outcome_status::acked);
  REQUIRE(h.a.out->sent.size() == 1); // released: the new owner's command goes out
  caf::anon_send(h.new_shard(), reply_atom_v, answer_to(h.a, h.a.out->sent[0], true));
  h.f.run();
  REQUIRE(h.log->of(1).size() == 1);
  CHECK(h.log->of(1)[0]->report.outcome.status == outcome_status::acked);
  CHECK(h.a.metrics().cluster_handoff_timeouts.value() == 0);
}

TEST_CASE("actors: the new owner starts anyway when the old owner stays busy", "[actors]") {
  handoff_fixture h;
  caf::send_as(h.client, h.old_shard(), submit_atom_v, uint32_t{0}, price(h.esl, "1"),
               caf::actor{});
  caf::send_as(h.client, h.new_shard(), submit_atom_v, uint32_t{1}, price(h.esl, "2"),
               caf::actor{});
  h.f.run();
  CHECK(h.a.out->sent.empty());
  h.f.advance(std::chrono::milliseconds{h.a.ctx->opts.cluster.handoff_timeout_ms});
  CHECK(h.a.metrics().cluster_handoff_timeouts.value() == 1);
  CHECK(h.a.out->sent.size() == 1);
}

TEST_CASE("actors: the new owner starts at once when the busy old owner goes down", "[actors]") {
  handoff_fixture h;
  caf::send_as(h.client, h.old_shard(), submit_atom_v, uint32_t{0}, price(h.esl, "1"),
               caf::actor{});
  caf::send_as(h.client, h.new_shard(), submit_atom_v, uint32_t{1}, price(h.esl, "2"),
               caf::actor{});
  h.f.run();
  CHECK(h.a.out->sent.empty());
  // Its node died: the question is answered by the down (the reply will never come).
  caf::anon_send_exit(h.old_shard(), caf::exit_reason::kill);
  h.f.run();
  CHECK(h.a.out->sent.size() == 1);
  // Answered once: the timeout later changes nothing.
  h.f.advance(std::chrono::milliseconds{h.a.ctx->opts.cluster.handoff_timeout_ms});
  CHECK(h.a.out->sent.size() == 1);
  CHECK(h.a.metrics().cluster_handoff_timeouts.value() == 0);
}

TEST_CASE("actors: no recent change, no handoff", "[actors]") {
  handoff_fixture h;
  h.f.set_view(h.a, {h.a.member(), h.b.member()}); // no previous members
  caf::send_as(h.client, h.new_shard(), submit_atom_v, uint32_t{1}, price(h.esl), caf::actor{});
  h.f.run();
  CHECK(h.a.metrics().cluster_handoffs.value() == 0);
  CHECK(h.a.out->sent.size() == 1);
}

TEST_CASE("actors: the previous owner named by the sender is asked, whatever this view says",
          "[actors]") {
  handoff_fixture h;
  h.f.set_view(h.a, {h.a.member(), h.b.member()}); // "a" saw no recent change
  caf::send_as(h.client, h.old_shard(), submit_atom_v, uint32_t{0}, price(h.esl, "1"),
               caf::actor{});
  caf::send_as(h.client, h.new_shard(), submit_atom_v, uint32_t{1}, price(h.esl, "2"),
               caf::actor_cast<caf::actor>(h.old_shard()));
  h.f.run();
  CHECK(h.a.metrics().cluster_handoffs.value() == 1);
  CHECK(h.a.out->sent.empty());
  caf::anon_send(h.old_shard(), reply_atom_v, answer_to(h.b, h.b.out->sent.at(0), true));
  h.f.run();
  CHECK(h.a.out->sent.size() == 1);
}

TEST_CASE("actors: a legacy reply the new owner cannot place goes to the previous owner",
          "[actors]") {
  handoff_fixture h;
  caf::send_as(h.client, h.old_shard(), submit_atom_v, uint32_t{0}, price(h.esl), caf::actor{});
  h.f.run();
  REQUIRE(h.b.out->sent.size() == 1);

  // Legacy firmware echoes no token: the ingress sends the reply to the
  // ESL's owner of the moment, "a", which holds nothing for the ESL.
  caf::anon_send(h.new_shard(), reply_atom_v, legacy_ack(h.esl, gw_a));
  h.f.run();
  CHECK(h.a.metrics().replies_forwarded_legacy.value() == 1);
  CHECK(h.b.metrics().replies_delivered.value() == 1);
  REQUIRE(h.log->of(0).size() == 1);
  CHECK(h.log->of(0)[0]->report.outcome.status == outcome_status::acked);

  // A reply that crossed twice already is not sent on again.
  auto r = legacy_ack(h.esl, gw_a);
  r.hops = 2;
  caf::anon_send(h.new_shard(), reply_atom_v, r);
  h.f.run();
  CHECK(h.a.metrics().replies_forwarded_legacy.value() == 1);
  CHECK(h.a.metrics().replies_unknown.value() == 1);
}

TEST_CASE("actors: commands held by a shard that goes down are sent to the new owner", "[actors]") {
  two_members m;
  auto x = m.owned_by("b");
  auto y = m.owned_by("b", x.value() + 1);
  m.submit(x, "1");
  m.submit(x, "2"); // waits behind x's first command, wherever they go
  m.submit(y, "1");
  m.f.run();
  CHECK(m.asked_b->requests.size() == 2); // x's first command and y's
  CHECK(m.asked_a->requests.empty());

  // "b" dies: the view drops it, then its shards go down (as the link to a
  // lost node reports them).
  m.f.set_view(m.a, {m.a.member()});
  for (auto& s : m.b.ctx->shards)
    caf::anon_send_exit(s, caf::exit_reason::remote_link_unreachable);
  m.f.run();
  CHECK(m.a.metrics().jobs_redispatched.value() == 3);
  REQUIRE(m.asked_a->requests.size() == 2); // x's first (x's second waits behind it) and y's
  std::vector<esl_mac> first;
  for (auto& r : m.asked_a->requests)
    first.push_back(r.cmd.esl);
  CHECK(std::count(first.begin(), first.end(), x) == 1);
  CHECK(std::count(first.begin(), first.end(), y) == 1);
  for (auto& r : m.asked_a->requests)
    if (r.cmd.esl == x)
      CHECK(r.cmd.args == wire::arg_list{{"price", "1"}}); // the oldest first
  CHECK(m.done.empty());

  // Outcomes from the new owner reach the callbacks, once each.
  caf::anon_send(m.a.ctx->shard_of(x), shutdown_atom_v);
  caf::anon_send(m.a.ctx->shard_of(y), shutdown_atom_v);
  m.f.run();
  CHECK(m.done.size() == 3);
  for (auto& orphan : m.asked_b->senders) // "b"'s command actors died with it
    caf::anon_send_exit(orphan, caf::exit_reason::kill);
}

TEST_CASE("actors: a command waits while the ESL's earlier one is out at another shard",
          "[actors]") {
  two_members m;
  auto x = m.owned_by("b");
  m.submit(x, "1");
  m.f.run();
  REQUIRE(m.asked_b->requests.size() == 1);

  // "b" leaves: x moves to "a", but its first command is still out at "b".
  auto leaving = m.b.member();
  leaving.leaving = true;
  m.f.set_view(m.a, {m.a.member(), leaving}, {m.a.member(), m.b.member()});
  m.submit(x, "2");
  m.f.run();
  CHECK(m.a.metrics().jobs_held_back.value() == 1);
  CHECK(m.asked_a->requests.empty());

  // The first command ends at "b": the held one goes to "a".
  caf::anon_send(m.b.member().shard_of(x), shutdown_atom_v);
  m.f.run();
  CHECK(m.done.size() == 1);
  CHECK(m.asked_a->requests.size() == 1);
}

TEST_CASE("actors: a member's shards go down before the view knows: its commands move away",
          "[actors]") {
  two_members m;
  auto x = m.owned_by("b");
  m.submit(x, "1");
  m.submit(x, "2");
  m.f.run();
  REQUIRE(m.asked_b->requests.size() == 1);

  // No new view: the dispatcher marks the dead node and stops choosing it.
  for (auto& s : m.b.ctx->shards)
    caf::anon_send_exit(s, caf::exit_reason::remote_link_unreachable);
  m.f.run();
  CHECK(m.a.metrics().jobs_redispatched.value() == 2);
  REQUIRE(m.asked_a->requests.size() == 1);
  CHECK(m.asked_a->requests[0].cmd.args == wire::arg_list{{"price", "1"}});
  for (auto& orphan : m.asked_b->senders)
    caf::anon_send_exit(orphan, caf::exit_reason::kill);
}

TEST_CASE("actors: a leaving member stops one shard: only that shard's commands move", "[actors]") {
  two_members m;
  // Two ESLs of "b" on different shards of "b".
  auto x = m.owned_by("b");
  auto y = m.owned_by("b", x.value() + 1);
  while (m.b.member().shard_of(y) == m.b.member().shard_of(x))
    y = m.owned_by("b", y.value() + 1);
  m.submit(x, "1");
  m.submit(y, "1");
  m.f.run();
  REQUIRE(m.asked_b->requests.size() == 2);

  // "b" leaves and stops its shards one after another: x's shard first,
  // while y's still runs y's command (its action may be out already).
  auto leaving = m.b.member();
  leaving.leaving = true;
  m.f.set_view(m.a, {m.a.member(), leaving}, {m.a.member(), m.b.member()});
  caf::anon_send_exit(m.b.member().shard_of(x), caf::exit_reason::user_shutdown);
  m.f.run();
  CHECK(m.a.metrics().jobs_redispatched.value() == 1);
  REQUIRE(m.asked_a->requests.size() == 1); // x's, not y's: that one is still held at "b"
  CHECK(m.asked_a->requests[0].cmd.esl == x);

  // y's shard stops too: now y moves.
  caf::anon_send_exit(m.b.member().shard_of(y), caf::exit_reason::user_shutdown);
  m.f.run();
  CHECK(m.a.metrics().jobs_redispatched.value() == 2);
  REQUIRE(m.asked_a->requests.size() == 2);
  CHECK(m.asked_a->requests[1].cmd.esl == y);
  for (auto& orphan : m.asked_b->senders)
    caf::anon_send_exit(orphan, caf::exit_reason::kill);
}
