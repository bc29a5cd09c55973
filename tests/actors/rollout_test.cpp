// A job coordinator with real shards on the deterministic scheduler: its
// priority reaches the routers, its rate limit runs on the actor clock, and
// its abort threshold ends unsent and waiting commands `aborted`, once each.

#include <catch2/catch.hpp>

#include "actors/intake/job_coordinator.hpp"
#include "runtime/wire/job_notices.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace std::chrono_literals;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA0);

wire::job_submission make_job(size_t n, uint64_t first_esl = 0x100) {
  wire::job_submission j;
  j.job = "rollout-job";
  for (size_t i = 0; i < n; ++i)
    j.commands.push_back({esl_mac::from_u64(first_esl + i), wire::op_kind::price, {{"p", "1"}}});
  return j;
}

/// One node with its shards, routers (real, or a stub that never answers),
/// and a stand-in intake.
struct job_node {
  actor_fixture f;
  test_node a;
  std::shared_ptr<dispatch_log> asked; ///< with the stub
  caf::actor intake;
  caf::actor coordinator;

  explicit job_node(node_options o, bool real_routers = true)
      : a(f.make_node("a", 1, std::move(o))) {
    if (real_routers)
      f.make_router_pool(a, 2);
    else
      asked = f.stub_routers(a);
    f.make_shards(a);
    intake = f.sys.spawn(
        [](caf::event_based_actor* self, int) -> caf::behavior {
          self->set_default_handler(caf::drop);
          return {[](int32_t) {}};
        },
        0);
  }
  ~job_node() {
    for (auto* x : {&coordinator, &intake})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    f.run();
  }

  void start(const wire::job_submission& job) {
    for (auto& c : job.commands)
      a.routes->add(c.esl, gw_a, -50);
    std::string payload;
    wire::encode(job, payload);
    coordinator = f.sys.spawn(job_coordinator, a.ctx, intake, job, payload, job_role::coordinator,
                              caf::actor{}, std::vector<outcome_entry>{});
    f.run();
  }
  std::vector<const fake_publisher::published*> actions() const {
    std::vector<const fake_publisher::published*> out;
    for (auto& m : a.out->sent)
      if (m.topic.size() > 7 && m.topic.compare(m.topic.size() - 7, 7, "/action") == 0)
        out.push_back(&m);
    return out;
  }
  void answer(const fake_publisher::published& action, bool ack, uint32_t code = 0) {
    auto r = answer_to(a, action, ack, code);
    caf::anon_send(a.ctx->shard_of(r.esl), reply_atom_v, r);
  }
  std::optional<wire::job_result> result() const {
    for (auto& m : a.out->sent)
      if (m.topic.size() > 7 && m.topic.compare(m.topic.size() - 7, 7, "/result") == 0) {
        auto d = wire::decode_job_result(m.payload);
        REQUIRE(d);
        return *d;
      }
    return std::nullopt;
  }
  size_t count(outcome_status s) const {
    auto r = result();
    return r ? r->counts()[static_cast<size_t>(s)] : 0;
  }
};

node_options capped(int max_running) {
  auto o = actor_fixture::test_options();
  o.commands.max_running = max_running; // per shard: max_running / 2
  o.gateway.flow.enabled = false;
  return o;
}

} // namespace

TEST_CASE("actors: a job's priority travels with its commands to the routers", "[actors]") {
  job_node n{actor_fixture::test_options(), false};
  auto job = make_job(3);
  job.prio = priority::high;
  n.start(job);
  REQUIRE(n.asked->requests.size() == 3);
  for (auto& r : n.asked->requests)
    CHECK(r.cmd.prio == priority::high);
}

TEST_CASE("actors: a rate-limited job releases its commands on the actor clock", "[actors]") {
  job_node n{actor_fixture::test_options(), false};
  auto job = make_job(5);
  job.rate_per_s = 10; // one per 100 ms
  n.start(job);
  auto accepted = [&] { return n.a.metrics().commands_accepted.value(); };
  CHECK(accepted() == 1); // the first at once
  n.f.advance(50ms);
  CHECK(accepted() == 1);
  n.f.advance(50ms);
  CHECK(accepted() == 2);
  for (uint64_t k = 3; k <= 5; ++k) {
    n.f.advance(100ms);
    CHECK(accepted() == k);
  }
  n.f.advance(1s);
  CHECK(accepted() == 5);
  // In submission order.
  REQUIRE(n.asked->requests.size() == 5);
  for (size_t i = 0; i < 5; ++i)
    CHECK(n.asked->requests[i].cmd.esl == job.commands[i].esl);
}

TEST_CASE("actors: past the abort threshold, waiting commands at the shards end aborted",
          "[actors]") {
  job_node n{capped(2)}; // one running command per shard
  auto job = make_job(20);
  job.abort_threshold = 0.5;
  job.abort_min_outcomes = 2;
  n.start(job);
  auto first = n.actions();
  REQUIRE(first.size() == 2);
  // Both NACK "bad request" (no retry): 2 of 2 failed.
  for (auto* a : first)
    n.answer(*a, false, nack_code::bad_request);
  n.f.run();
  CHECK(n.a.metrics().jobs_aborted.value() == 1);
  // The shards had started one more each before the abort came: those go on.
  auto now = n.actions();
  REQUIRE(now.size() <= 4);
  CHECK_FALSE(n.result());
  for (size_t k = 2; k < now.size(); ++k)
    n.answer(*now[k], true);
  n.f.run();
  auto r = n.result();
  REQUIRE(r);
  CHECK(r->outcomes.size() == 20);
  CHECK(n.count(outcome_status::nacked) == 2);
  CHECK(n.count(outcome_status::acked) == now.size() - 2);
  CHECK(n.count(outcome_status::aborted) == 20 - now.size());
  for (auto& o : r->outcomes)
    if (o.status == outcome_status::aborted) {
      CHECK(o.reason == outcome_reason::abort_threshold);
      CHECK(o.attempts == 0);
      CHECK(!o.gw);
    }
  // Every command that did not end acked is a dead letter, aborted ones too.
  CHECK(n.a.out->count("/dead-letters") == 20 - (now.size() - 2));
  CHECK(n.a.metrics().outcome(outcome_status::aborted).value() == 20 - now.size());
  CHECK(n.a.metrics().commands_pending.value() == 0);
  n.coordinator = caf::actor{}; // it quit after its result
}

TEST_CASE("actors: a rate-limited job that aborts ends its unreleased commands at once",
          "[actors]") {
  job_node n{actor_fixture::test_options()};
  auto job = make_job(10);
  job.rate_per_s = 1;
  job.abort_threshold = 1.0;
  job.abort_min_outcomes = 1;
  n.start(job);
  auto first = n.actions();
  REQUIRE(first.size() == 1);
  n.answer(*first[0], false, nack_code::low_battery);
  n.f.run();
  auto r = n.result();
  REQUIRE(r); // no need to wait nine seconds
  CHECK(n.count(outcome_status::nacked) == 1);
  CHECK(n.count(outcome_status::aborted) == 9);
  CHECK(n.a.metrics().commands_accepted.value() == 1); // the others never reached a shard
  CHECK(n.a.metrics().outcome(outcome_status::aborted).value() == 9);
  n.f.advance(10s);
  CHECK(n.a.metrics().commands_accepted.value() == 1);
  n.coordinator = caf::actor{};
}

TEST_CASE("actors: failures before abort_min_outcomes abort nothing", "[actors]") {
  job_node n{capped(0)}; // no running cap, no gateway window: all 10 go out

  auto job = make_job(10);
  job.abort_threshold = 0.5;
  n.start(job);
  auto acts = n.actions();
  REQUIRE(acts.size() == 10);
  for (size_t k = 0; k < acts.size(); ++k)
    n.answer(*acts[k], k >= 6, nack_code::bad_request);
  n.f.run();
  // 6 failures in a row are 100 %, but fewer than abort_min_outcomes (10):
  // the job goes on; the 10th outcome crosses (6 of 10) with nothing left.
  auto r = n.result();
  REQUIRE(r);
  CHECK(n.count(outcome_status::aborted) == 0);
  CHECK(n.count(outcome_status::nacked) == 6);
  CHECK(n.count(outcome_status::acked) == 4);
  n.coordinator = caf::actor{};
}
