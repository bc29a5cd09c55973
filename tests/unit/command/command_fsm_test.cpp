#include <catch2/catch.hpp>

#include <set>

#include "runtime/command/command_fsm.hpp"

using namespace shelfwire;
using kind = command_step::kind;
using timer = command_step::timer_kind;
using ignored = command_step::ignore_reason;

namespace {

const gw_mac gw_a = gw_mac::from_u64(0xA);
const gw_mac gw_b = gw_mac::from_u64(0xB);
const gw_mac gw_c = gw_mac::from_u64(0xC);

retry_policy policy(int attempts = 3, bool repeat = true) {
  retry_policy p;
  p.max_attempts = attempts;
  p.attempt_timeout_ms = 100;
  p.timeout_ms = 10'000;
  p.retry_same_gateway = repeat;
  p.retry_on_codes = {1, 2};
  p.unavailable_backoff_ms = 50;
  p.retry_backoff_ms = 0; // busy and silent retries at once (backoff: own tests below)
  return p;
}

reply_event reply(uint8_t attempt, gw_mac gw, bool ack, uint32_t code = 0) {
  reply_event r;
  r.attempt = attempt;
  r.gw = gw;
  r.ack = ack;
  r.code = code;
  return r;
}

/// `s` arms the first backoff timer of policy(): 50 ms, jittered to [25, 50].
void require_backoff(const command_step& s) {
  REQUIRE(s.what == kind::arm_timer);
  CHECK(s.timer == timer::backoff);
  CHECK(s.delay_ms >= 25);
  CHECK(s.delay_ms <= 50);
}

/// Drives a dispatch through `gw`; returns the armed attempt timer step.
command_step dispatched(command_fsm& f, const command_step& d, gw_mac gw, int64_t now) {
  REQUIRE(d.what == kind::dispatch);
  auto t = f.on_dispatched(d.seq, gw, now);
  REQUIRE(t.what == kind::arm_timer);
  REQUIRE(t.timer == timer::attempt);
  return t;
}

} // namespace

TEST_CASE("an acked command ends acked after one attempt") {
  command_fsm f{policy(), 0};
  auto d = f.start(10);
  CHECK(d.attempt == 1);
  CHECK(d.tried.empty());
  CHECK(d.ttl_ms == 100);
  auto t = dispatched(f, d, gw_a, 20);
  CHECK(t.delay_ms == 100);
  CHECK(f.current() == command_fsm::state::waiting);
  auto e = f.on_reply(reply(1, gw_a, true), 520);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::acked);
  CHECK(e.outcome.attempts == 1);
  CHECK(e.outcome.has_gw);
  CHECK(e.outcome.gw == gw_a);
  CHECK(e.outcome.backbone_us == 510);
  CHECK(f.done());
}

TEST_CASE("no fresh route on the first dispatch is unroutable") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto e = f.on_no_route(d.seq, 5);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::unroutable);
  CHECK(e.outcome.reason == "no_fresh_route");
  CHECK(e.outcome.attempts == 0);
  CHECK_FALSE(e.outcome.has_gw);
  CHECK(e.outcome.backbone_us == -1);
}

TEST_CASE("a silent gateway is retried through the runner-up, then the attempts run out") {
  command_fsm f{policy(3, true), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 2);
  CHECK(d2.tried == std::vector<gw_mac>{gw_a});
  CHECK(d2.allow_repeat);
  auto t2 = dispatched(f, d2, gw_b, 102);
  auto d3 = f.on_timer(timer::attempt, t2.seq, 202);
  REQUIRE(d3.what == kind::dispatch);
  CHECK(d3.tried == std::vector<gw_mac>{gw_a, gw_b});
  auto t3 = dispatched(f, d3, gw_a, 203);
  auto e = f.on_timer(timer::attempt, t3.seq, 303);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::timed_out);
  CHECK(e.outcome.reason == "no_reply");
  CHECK(e.outcome.attempts == 3);
  CHECK(e.outcome.gw == gw_a);
}

TEST_CASE("without repeats, running out of candidates ends timed_out") {
  command_fsm f{policy(5, false), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  CHECK_FALSE(d2.allow_repeat);
  auto t2 = dispatched(f, d2, gw_b, 102);
  auto d3 = f.on_timer(timer::attempt, t2.seq, 202);
  auto e = f.on_no_route(d3.seq, 203);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::timed_out);
  CHECK(e.outcome.reason == "no_more_candidates");
  CHECK(e.outcome.attempts == 2);
}

TEST_CASE("a non-retryable NACK ends nacked with the gateway's code") {
  command_fsm f{policy(), 0};
  dispatched(f, f.start(0), gw_a, 1);
  auto e = f.on_reply(reply(1, gw_a, false, 3), 50);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::nacked);
  CHECK(e.outcome.code == 3);
  CHECK(e.outcome.gw == gw_a);
  CHECK(e.outcome.backbone_us == 50);
}

TEST_CASE("a retryable NACK moves to the next candidate, which may ack") {
  command_fsm f{policy(), 0};
  dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_reply(reply(1, gw_a, false, 2), 30);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 2);
  dispatched(f, d2, gw_b, 31);
  auto e = f.on_reply(reply(2, gw_b, true), 60);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::acked);
  CHECK(e.outcome.gw == gw_b);
  CHECK(e.outcome.attempts == 2);
}

TEST_CASE("a retryable NACK on the last attempt ends nacked") {
  command_fsm f{policy(1), 0};
  dispatched(f, f.start(0), gw_a, 1);
  auto e = f.on_reply(reply(1, gw_a, false, 1), 30);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::nacked);
  CHECK(e.outcome.code == 1);
}

TEST_CASE("retryable NACKs followed by silence end nacked, not timed_out") {
  command_fsm f{policy(2, false), 0};
  dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_reply(reply(1, gw_a, false, 2), 30);
  auto t2 = dispatched(f, d2, gw_b, 31);
  auto e = f.on_timer(timer::attempt, t2.seq, 200);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::nacked);
  CHECK(e.outcome.code == 2);
}

TEST_CASE("a late ACK for an earlier attempt counts") {
  command_fsm f{policy(), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  dispatched(f, d2, gw_b, 102);
  auto e = f.on_reply(reply(1, gw_a, true), 150);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::acked);
  CHECK(e.outcome.gw == gw_a);
}

TEST_CASE("an older attempt's NACK does not end a newer attempt in flight") {
  command_fsm f{policy(), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  dispatched(f, d2, gw_b, 102);
  auto n = f.on_reply(reply(1, gw_a, false, 3), 120);
  CHECK(n.what == kind::none);
  CHECK(n.ignored == ignored::none);
  CHECK_FALSE(f.done());
  auto e = f.on_reply(reply(2, gw_b, true), 130);
  CHECK(e.outcome.status == outcome_status::acked);
}

TEST_CASE("duplicate and stray replies are recognised and ignored") {
  command_fsm f{policy(), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  dispatched(f, d2, gw_b, 102);
  CHECK(f.on_reply(reply(1, gw_a, false, 3), 110).what == kind::none);
  CHECK(f.on_reply(reply(1, gw_a, false, 3), 111).ignored == ignored::duplicate);
  // A gateway we never used, a token attempt we never made, a token whose
  // attempt went through another gateway.
  CHECK(f.on_reply(reply(0, gw_c, true), 112).ignored == ignored::stray);
  CHECK(f.on_reply(reply(3, gw_a, true), 113).ignored == ignored::stray);
  CHECK(f.on_reply(reply(2, gw_a, true), 114).ignored == ignored::stray);
  CHECK_FALSE(f.done());
}

TEST_CASE("legacy replies (no token) are matched by gateway") {
  command_fsm f{policy(), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 101);
  dispatched(f, d2, gw_b, 102);
  auto e = f.on_reply(reply(0, gw_b, true), 140);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.gw == gw_b);
  SECTION("and a second legacy reply would have been a duplicate") {
    command_fsm g{policy(), 0};
    dispatched(g, g.start(0), gw_a, 1);
    CHECK(g.on_reply(reply(0, gw_a, false, 1), 5).what == kind::dispatch);
    CHECK(g.on_reply(reply(0, gw_a, false, 1), 6).ignored == ignored::duplicate);
  }
}

TEST_CASE("routing unavailable backs off and asks again, until the deadline") {
  auto p = policy();
  p.timeout_ms = 1; // 1000 us
  command_fsm f{p, 0};
  auto d = f.start(0);
  auto b = f.on_unavailable(d.seq, 10);
  // 10 us + 50 ms backoff is past the 1 ms deadline.
  REQUIRE(b.what == kind::finish);
  CHECK(b.outcome.status == outcome_status::timed_out);
  CHECK(b.outcome.reason == "routing_unavailable");

  command_fsm g{policy(), 0};
  auto d1 = g.start(0);
  auto b1 = g.on_unavailable(d1.seq, 10);
  require_backoff(b1);
  auto d2 = g.on_timer(timer::backoff, b1.seq, 60'000);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 1); // nothing was published yet
  dispatched(g, d2, gw_a, 60'001);
  CHECK(g.attempts() == 1);
}

TEST_CASE("no route while the table is being rebuilt: wait and ask again, not unroutable") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto b = f.on_table_warming(d.seq, 10);
  require_backoff(b);
  CHECK(f.on_table_warming(d.seq, 11).ignored == ignored::stale); // answered already
  auto d2 = f.on_timer(timer::backoff, b.seq, 60'000);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 1);
  // Rebuilt by now: the route is there.
  dispatched(f, d2, gw_a, 60'001);
  CHECK(f.attempts() == 1);

  SECTION("still no route at the deadline: unroutable, naming the rebuild") {
    command_fsm g{policy(), 0};
    auto g1 = g.start(0);
    auto w = g.on_table_warming(g1.seq, 9'980'000); // + >= 25 ms backoff >= 10 s deadline
    REQUIRE(w.what == kind::finish);
    CHECK(w.outcome.status == outcome_status::unroutable);
    CHECK(w.outcome.reason == "routing_table_rebuilding");
  }
  SECTION("after an attempt went out, the deadline ends it as attempts spent") {
    command_fsm g{policy(), 0};
    auto t = dispatched(g, g.start(0), gw_a, 1);
    auto d3 = g.on_timer(timer::attempt, t.seq, 100'001);
    REQUIRE(d3.what == kind::dispatch);
    CHECK(d3.attempt == 2);
    auto w = g.on_table_warming(d3.seq, 9'990'000);
    REQUIRE(w.what == kind::finish);
    CHECK(w.outcome.status == outcome_status::timed_out);
    CHECK(w.outcome.reason == "no_more_candidates");
  }
}

TEST_CASE("the overall deadline ends the command whatever its state") {
  command_fsm f{policy(), 0};
  dispatched(f, f.start(0), gw_a, 1);
  auto e = f.on_deadline(10'000'000);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::timed_out);
  CHECK(e.outcome.reason == "deadline");
  CHECK(f.deadline_us() == 10'000'000);
}

TEST_CASE("stale dispatch answers and timers are ignored") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  CHECK(f.on_dispatched(d.seq + 1, gw_a, 1).ignored == ignored::stale);
  auto t1 = dispatched(f, d, gw_a, 2);
  CHECK(f.on_dispatched(d.seq, gw_b, 3).ignored == ignored::stale);
  CHECK(f.on_timer(timer::backoff, t1.seq, 4).ignored == ignored::stale);
  CHECK(f.on_timer(timer::attempt, t1.seq - 1, 5).ignored == ignored::stale);
  CHECK(f.on_no_route(d.seq, 6).ignored == ignored::stale);
  CHECK(f.on_unavailable(d.seq, 6).ignored == ignored::stale);
  CHECK(f.current() == command_fsm::state::waiting);
}

TEST_CASE("ttl never exceeds the time left before the deadline") {
  auto p = policy();
  p.attempt_timeout_ms = 5000;
  p.timeout_ms = 7000;
  command_fsm f{p, 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 0);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 5'000'000);
  CHECK(d2.ttl_ms == 2000);
}

TEST_CASE("after the outcome, nothing else comes out") {
  command_fsm f{policy(), 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 1);
  REQUIRE(f.on_reply(reply(1, gw_a, true), 2).what == kind::finish);
  CHECK(f.on_reply(reply(1, gw_a, true), 3).what == kind::none);
  CHECK(f.on_timer(timer::attempt, t1.seq, 4).what == kind::none);
  CHECK(f.on_deadline(5).what == kind::none);
  CHECK(f.start(6).what == kind::none);
}

TEST_CASE("timers are capped at the deadline, and firing there ends the command") {
  auto p = policy();
  p.attempt_timeout_ms = 5000;
  p.timeout_ms = 7000;
  command_fsm f{p, 0};
  auto t1 = dispatched(f, f.start(0), gw_a, 0);
  CHECK(t1.delay_ms == 5000);
  auto d2 = f.on_timer(timer::attempt, t1.seq, 5'000'000);
  auto t2 = dispatched(f, d2, gw_b, 5'000'000);
  CHECK(t2.delay_ms == 2000); // not 5000: the deadline comes first
  auto e = f.on_timer(timer::attempt, t2.seq, 7'000'000);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::timed_out);
  CHECK(e.outcome.reason == "deadline");
}

TEST_CASE("a backoff timer at the deadline ends the command routing_unavailable") {
  auto p = policy();
  p.timeout_ms = 100;
  p.unavailable_backoff_ms = 60;
  command_fsm f{p, 0};
  auto d = f.start(0);
  auto b1 = f.on_unavailable(d.seq, 0);
  REQUIRE(b1.what == kind::arm_timer);
  auto d2 = f.on_timer(timer::backoff, b1.seq, 60'000);
  auto b2 = f.on_unavailable(d2.seq, 60'000);
  // 60 ms + 60 ms backoff would pass the 100 ms deadline: ends now.
  REQUIRE(b2.what == kind::finish);
  CHECK(b2.outcome.reason == "routing_unavailable");
}

TEST_CASE("a reply that overtakes the router's report is not lost") {
  SECTION("ack with token") {
    command_fsm f{policy(), 0};
    auto d = f.start(0);
    auto e = f.on_reply(reply(1, gw_a, true), 10);
    REQUIRE(e.what == kind::finish);
    CHECK(e.outcome.status == outcome_status::acked);
    CHECK(e.outcome.attempts == 1);
    CHECK(e.outcome.gw == gw_a);
    // The router's report arrives afterwards and changes nothing.
    CHECK(f.on_dispatched(d.seq, gw_a, 11).what == kind::none);
  }
  SECTION("retryable nack: the next attempt is routed, the late report is stale") {
    command_fsm f{policy(), 0};
    auto d = f.start(0);
    auto d2 = f.on_reply(reply(1, gw_a, false, 2), 10);
    REQUIRE(d2.what == kind::dispatch);
    CHECK(d2.attempt == 2);
    CHECK(d2.tried == std::vector<gw_mac>{gw_a});
    CHECK(f.on_dispatched(d.seq, gw_a, 11).ignored == ignored::stale);
    dispatched(f, d2, gw_b, 12);
    CHECK(f.on_reply(reply(2, gw_b, true), 13).outcome.status == outcome_status::acked);
  }
  SECTION("legacy reply") {
    command_fsm f{policy(), 0};
    f.start(0);
    auto e = f.on_reply(reply(0, gw_b, true), 10);
    REQUIRE(e.what == kind::finish);
    CHECK(e.outcome.gw == gw_b);
  }
  SECTION("after the routing timer gave up on the router: the reply still counts") {
    command_fsm f{policy(), 0};
    auto d = f.start(0);
    // The router is slow: the routing timer fires, the command backs off.
    auto b = f.on_timer(timer::routing, d.seq, 1'000);
    REQUIRE(b.what == kind::arm_timer);
    CHECK(b.timer == timer::backoff);
    // The router did publish after all: its gateway's ACK ends the command
    // with that attempt, instead of being dropped as stray.
    auto e = f.on_reply(reply(1, gw_a, true), 1'010);
    REQUIRE(e.what == kind::finish);
    CHECK(e.outcome.status == outcome_status::acked);
    CHECK(e.outcome.attempts == 1);
    CHECK(e.outcome.gw == gw_a);
    // The backoff timer and the router's report are stale now.
    CHECK(f.on_timer(timer::backoff, b.seq, 1'050).what == kind::none);
    CHECK(f.on_dispatched(d.seq, gw_a, 1'060).what == kind::none);
  }
  SECTION("after the routing timer: a NACK to retry routes the next attempt") {
    command_fsm f{policy(), 0};
    auto d = f.start(0);
    auto b = f.on_timer(timer::routing, d.seq, 1'000);
    REQUIRE(b.what == kind::arm_timer);
    auto d2 = f.on_reply(reply(1, gw_a, false, 2), 1'010);
    REQUIRE(d2.what == kind::dispatch);
    CHECK(d2.attempt == 2);
    CHECK(d2.tried == std::vector<gw_mac>{gw_a});
    CHECK(f.on_timer(timer::backoff, b.seq, 1'050).ignored == ignored::stale);
  }
  SECTION("a token for a later attempt than the one routed is still stray") {
    command_fsm f{policy(), 0};
    f.start(0);
    CHECK(f.on_reply(reply(2, gw_a, true), 10).ignored == ignored::stray);
  }
}

TEST_CASE("a router that does not answer in time counts as unavailable") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto b = f.on_timer(timer::routing, d.seq, 1000);
  REQUIRE(b.what == kind::arm_timer);
  CHECK(b.timer == timer::backoff);
  // Its late answer is stale now.
  CHECK(f.on_dispatched(d.seq, gw_a, 2000).ignored == ignored::stale);
  auto d2 = f.on_timer(timer::backoff, b.seq, 60'000);
  REQUIRE(d2.what == kind::dispatch);
  // A routing timer of a dispatch that was answered is stale.
  auto t = dispatched(f, d2, gw_a, 60'001);
  CHECK(f.on_timer(timer::routing, d2.seq, 61'000).ignored == ignored::stale);
  CHECK(t.seq != d2.seq);
}

// -- backoff (exponential, jittered, capped) --------------------------------------

TEST_CASE("jittered backoff doubles per retry, stays within [d/2, d] and under the cap") {
  jitter_source rng{42};
  for (uint32_t n = 1; n <= 12; ++n) {
    int64_t d = std::min<int64_t>(100LL << (n - 1), 2'000);
    for (int i = 0; i < 200; ++i) {
      auto ms = jittered_backoff_ms(100, 2'000, n, rng);
      CHECK(ms >= d / 2);
      CHECK(ms <= d);
    }
  }
}

TEST_CASE("commands that fail together do not retry together; one seed, one sequence") {
  std::vector<int64_t> a, b, c;
  jitter_source ra{1}, rb{1}, rc{2};
  for (int i = 0; i < 20; ++i) {
    a.push_back(jittered_backoff_ms(1'000, 10'000, 3, ra));
    b.push_back(jittered_backoff_ms(1'000, 10'000, 3, rb));
    c.push_back(jittered_backoff_ms(1'000, 10'000, 3, rc));
  }
  CHECK(a == b);
  CHECK(a != c);
  // 1000 commands, one retry each after the same event: spread over the
  // jitter range, not one instant.
  std::set<int64_t> distinct;
  for (uint64_t id = 0; id < 1000; ++id) {
    jitter_source r{id};
    distinct.insert(jittered_backoff_ms(1'000, 10'000, 1, r));
  }
  CHECK(distinct.size() > 300);
}

namespace {
retry_policy backoff_policy() {
  auto p = policy();
  p.retry_backoff_ms = 40;
  p.backoff_max_ms = 100;
  return p;
}
} // namespace

TEST_CASE("a busy NACK waits a jittered backoff, then tries the next candidate") {
  command_fsm f{backoff_policy(), 0, 7};
  auto t = dispatched(f, f.start(0), gw_a, 1);
  auto b = f.on_reply(reply(1, gw_a, false, 2), 10);
  REQUIRE(b.what == kind::arm_timer);
  CHECK(b.timer == timer::backoff);
  CHECK(b.delay_ms >= 20);
  CHECK(b.delay_ms <= 40);
  CHECK(f.current() == command_fsm::state::backing_off);
  CHECK(f.on_timer(timer::attempt, t.seq, 100).ignored == ignored::stale);
  auto d = f.on_timer(timer::backoff, b.seq, 10 + b.delay_ms * 1000);
  REQUIRE(d.what == kind::dispatch);
  CHECK(d.attempt == 2);
  CHECK(d.tried == std::vector<gw_mac>{gw_a});
  // The second busy NACK waits longer (up to the cap of 100 ms).
  dispatched(f, d, gw_b, 200'000);
  auto b2 = f.on_reply(reply(2, gw_b, false, 2), 200'010);
  REQUIRE(b2.what == kind::arm_timer);
  CHECK(b2.delay_ms >= 40);
  CHECK(b2.delay_ms <= 80);
}

TEST_CASE("a NACK 'not in range' moves on at once: it says nothing about load") {
  command_fsm f{backoff_policy(), 0, 7};
  dispatched(f, f.start(0), gw_a, 1);
  auto d = f.on_reply(reply(1, gw_a, false, 1), 10);
  CHECK(d.what == kind::dispatch);
}

TEST_CASE("a silent attempt is retried after a jittered backoff") {
  command_fsm f{backoff_policy(), 0, 9};
  auto t = dispatched(f, f.start(0), gw_a, 1);
  auto b = f.on_timer(timer::attempt, t.seq, 100'001);
  REQUIRE(b.what == kind::arm_timer);
  CHECK(b.timer == timer::backoff);
  auto d = f.on_timer(timer::backoff, b.seq, 100'001 + b.delay_ms * 1000);
  REQUIRE(d.what == kind::dispatch);
  CHECK(d.attempt == 2);
}

TEST_CASE("routing unavailable in a row backs off exponentially up to the cap") {
  auto p = policy();
  p.unavailable_backoff_ms = 50;
  p.backoff_max_ms = 300;
  command_fsm f{p, 0, 3};
  auto d = f.start(0);
  int64_t now = 0;
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    auto b = f.on_unavailable(d.seq, now);
    REQUIRE(b.what == kind::arm_timer);
    delays.push_back(b.delay_ms);
    now += b.delay_ms * 1000;
    d = f.on_timer(timer::backoff, b.seq, now);
    REQUIRE(d.what == kind::dispatch);
  }
  int64_t expect[] = {50, 100, 200, 300, 300, 300};
  for (size_t i = 0; i < delays.size(); ++i) {
    CHECK(delays[i] >= expect[i] / 2);
    CHECK(delays[i] <= expect[i]);
  }
  // A dispatch that went out resets the series.
  dispatched(f, d, gw_a, now);
  CHECK(f.attempts() == 1);
}

// -- waiting for a gateway window (flow control) --------------------------------

TEST_CASE("a queued attempt holds no attempt timer; the window opening starts it") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto q = f.on_queued(d.seq, gw_a, 10);
  REQUIRE(q.what == kind::arm_timer);
  CHECK(q.timer == timer::window);
  CHECK(q.seq == d.seq);
  CHECK(q.delay_ms >= 9'999); // the deadline, nothing earlier
  CHECK(f.current() == command_fsm::state::queued);
  CHECK(f.attempts() == 0);
  // The router's own timer is stale now.
  CHECK(f.on_timer(timer::routing, d.seq, 5'000'000).ignored == ignored::stale);
  // Five seconds later the window opens: the attempt timer starts there.
  auto t = f.on_dispatched(d.seq, gw_a, 5'000'000);
  REQUIRE(t.what == kind::arm_timer);
  CHECK(t.timer == timer::attempt);
  CHECK(t.delay_ms == 100);
  CHECK(f.attempts() == 1);
  CHECK(f.on_timer(timer::window, d.seq, 10'000'000).ignored == ignored::stale);
  auto a = f.on_reply(reply(1, gw_a, true), 5'050'000);
  CHECK(a.what == kind::finish);
  CHECK(a.outcome.status == outcome_status::acked);
  CHECK(a.outcome.backbone_us == 50'000); // from when the action went: the wait is the node's
}

TEST_CASE("a command waiting for a window until its deadline ends timed_out gateway_window") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto q = f.on_queued(d.seq, gw_a, 10);
  auto e = f.on_timer(timer::window, q.seq, 10'000'000);
  REQUIRE(e.what == kind::finish);
  CHECK(e.outcome.status == outcome_status::timed_out);
  CHECK(e.outcome.reason == "gateway_window");
  CHECK(e.outcome.attempts == 0);
}

TEST_CASE("a queued attempt whose gateway went down is routed again, no attempt spent") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  f.on_queued(d.seq, gw_a, 10);
  CHECK(f.on_requeue(d.seq + 1, 20).ignored == ignored::stale);
  auto d2 = f.on_requeue(d.seq, 20);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 1);
  CHECK(d2.tried.empty());
  CHECK(f.on_dispatched(d.seq, gw_a, 30).ignored == ignored::stale); // the old one
  dispatched(f, d2, gw_b, 40);
}

TEST_CASE("an earlier attempt's late ACK ends a command that waits for a window") {
  command_fsm f{policy(), 0};
  auto t = dispatched(f, f.start(0), gw_a, 1);
  auto d = f.on_timer(timer::attempt, t.seq, 100'001);
  REQUIRE(d.what == kind::dispatch);
  f.on_queued(d.seq, gw_b, 100'010);
  auto a = f.on_reply(reply(1, gw_a, true), 100'020);
  REQUIRE(a.what == kind::finish);
  CHECK(a.outcome.status == outcome_status::acked);
  CHECK(a.outcome.gw == gw_a);
}

TEST_CASE("every gateway down: back off and ask again; at the deadline timed_out gateway_down") {
  command_fsm f{policy(), 0};
  auto d = f.start(0);
  auto b = f.on_gateway_down(d.seq, 10);
  require_backoff(b);
  auto d2 = f.on_timer(timer::backoff, b.seq, 10 + b.delay_ms * 1000);
  REQUIRE(d2.what == kind::dispatch);
  CHECK(d2.attempt == 1); // no attempt spent
  auto b2 = f.on_gateway_down(d2.seq, 9'990'000);
  REQUIRE(b2.what == kind::finish);
  CHECK(b2.outcome.status == outcome_status::timed_out);
  CHECK(b2.outcome.reason == "gateway_down");
}
