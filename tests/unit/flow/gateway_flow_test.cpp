#include <deque>
#include <map>

#include <catch2/catch.hpp>

#include "runtime/flow/gateway_flow.hpp"

using namespace shelfwire;
using namespace shelfwire::flow;

namespace {

gw_mac gw(uint64_t n) {
  return gw_mac::from_u64(0xAA0000000000ull + n);
}

routing::route route_of(std::vector<std::pair<uint64_t, int32_t>> cands) {
  routing::route r;
  r.esl = esl_mac::from_u64(0xE50000000001ull);
  for (auto [g, rssi] : cands)
    r.candidates.push_back({gw(g), rssi, 0});
  return r;
}

flow_options opts(double window) {
  flow_options o;
  o.window_initial = window;
  o.window_min = 1;
  o.window_max = 64;
  o.breaker_silent_attempts = 3;
  o.breaker_cool_down_ms = 1000;
  o.balance_margin_db = 6;
  return o;
}

attempt_key key(uint64_t id, uint8_t attempt = 1) {
  return {id, attempt};
}

} // namespace

TEST_CASE("a full window makes attempts wait, in order, and each release sends the next",
          "[flow]") {
  gateway_flow f{opts(2)};
  std::vector<launch> out;
  CHECK(f.admit(gw(1), key(1), priority::normal, 0));
  CHECK(f.admit(gw(1), key(2), priority::normal, 0));
  CHECK_FALSE(f.admit(gw(1), key(3), priority::normal, 0));
  CHECK_FALSE(f.admit(gw(1), key(4), priority::normal, 0));
  CHECK(f.waiting() == 2);
  CHECK(f.in_flight() == 2);
  f.release(key(1), signal::nack, 10, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == key(3));
  CHECK(out[0].gw == gw(1));
  CHECK_FALSE(out[0].reroute);
  out.clear();
  f.release(key(2), signal::nack, 20, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == key(4));
  CHECK(f.waiting() == 0);
  CHECK(f.in_flight() == 2);
}

TEST_CASE("a high-priority attempt overtakes waiting bulk ones", "[flow]") {
  gateway_flow f{opts(1)};
  std::vector<launch> out;
  CHECK(f.admit(gw(1), key(1), priority::normal, 0));
  CHECK_FALSE(f.admit(gw(1), key(2), priority::bulk, 0));
  CHECK_FALSE(f.admit(gw(1), key(3), priority::bulk, 0));
  CHECK_FALSE(f.admit(gw(1), key(4), priority::high, 0));
  f.release(key(1), signal::nack, 5, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == key(4));
}

TEST_CASE("releases are idempotent and unknown keys are ignored", "[flow]") {
  gateway_flow f{opts(1)};
  std::vector<launch> out;
  CHECK(f.admit(gw(1), key(1), priority::normal, 0));
  f.release(key(1), signal::silence, 5, out);
  f.release(key(1), signal::ack, 6, out); // the late answer after the silence
  f.release(key(9), signal::ack, 6, out);
  CHECK(f.in_flight() == 0);
  auto s = f.stats_of(gw(1), 6);
  REQUIRE(s);
  CHECK(s->in_flight == 0);
  CHECK(s->silent == 1);
  CHECK(s->acks == 0);
}

TEST_CASE("slow start: +1/2 per ACK until the first queue, then halve; then +1 or -1 per round",
          "[flow]") {
  gateway_flow f{opts(4)};
  std::vector<launch> out;
  int64_t t = 0;
  uint64_t id = 1;
  int i = 0;
  // One ACK; times spread over [lo, lo + 100 ms] in steps of 1/16.
  auto ack = [&](int64_t lo_us) {
    REQUIRE(f.admit(gw(1), key(id), priority::normal, t));
    f.release(key(id++), signal::ack, t + lo_us + (i++ % 16) * 100'000 / 15, out);
    return f.stats_of(gw(1), t)->window;
  };
  for (int k = 0; k < 16; ++k)
    ack(100'000);
  CHECK(f.stats_of(gw(1), t)->window == Approx(12)); // 4 + 16 / 2
  // Every ACK slow now (a queue): the round ends with a halving.
  double before = f.stats_of(gw(1), t)->window, w = before;
  for (int k = 0; k < 64 && w >= before; ++k) {
    before = w;
    w = ack(300'000);
  }
  CHECK(w == Approx((before + 0.5) / 2));
  // Out of slow start: one per round (here 16 ACKs, at least).
  auto rounds = [&](int64_t lo_us) {
    auto w0 = f.stats_of(gw(1), t)->window;
    double cur = w0;
    for (int k = 0; k < 64 && cur == w0; ++k)
      cur = ack(lo_us);
    return cur - w0;
  };
  CHECK(rounds(100'000) == Approx(1));  // as fast as the recent fastest: no queue
  CHECK(rounds(110'000) == Approx(1));  // within half the usual spread (+ 5 ms)
  CHECK(rounds(300'000) == Approx(-1)); // even the fastest is slow: a queue
  CHECK(rounds(100'000) == Approx(1));  // drained
}

TEST_CASE("busy NACKs halve the window once per window of actions sent, never below min",
          "[flow]") {
  gateway_flow f{opts(8)};
  std::vector<launch> out;
  int64_t t = 0;
  uint64_t id = 1;
  // Eight in flight, all answered busy: one decrease (8 -> 4), not eight.
  std::vector<uint64_t> ids;
  for (int i = 0; i < 8; ++i) {
    REQUIRE(f.admit(gw(1), key(id), priority::normal, ++t));
    ids.push_back(id++);
  }
  for (auto i : ids)
    f.release(key(i), signal::busy, ++t, out);
  CHECK(f.stats_of(gw(1), t)->window == Approx(4));
  CHECK(f.stats_of(gw(1), t)->busy == 8);
  // Sent after that decrease: a new busy decreases again, never below min.
  for (int round = 0; round < 5; ++round) {
    REQUIRE(f.admit(gw(1), key(id), priority::normal, ++t));
    f.release(key(id++), signal::busy, ++t, out);
  }
  CHECK(f.stats_of(gw(1), t)->window == Approx(1));
}

TEST_CASE("the window never exceeds its maximum", "[flow]") {
  auto o = opts(2);
  o.window_max = 3;
  gateway_flow f{o};
  std::vector<launch> out;
  int64_t t = 0;
  for (uint64_t id = 1; id < 100; ++id) {
    REQUIRE(f.admit(gw(1), key(id), priority::normal, ++t));
    f.release(key(id), signal::ack, ++t, out);
  }
  CHECK(f.stats_of(gw(1), t)->window == Approx(3));
}

TEST_CASE("load-aware choice: within the margin the freest window wins, outside it RSSI does",
          "[flow]") {
  gateway_flow f{opts(4)};
  std::vector<launch> out;
  // Gateway 1 is busy: 4 in flight, 1 waiting.
  for (uint64_t id = 1; id <= 5; ++id)
    f.admit(gw(1), key(id), priority::normal, 0);
  auto near = route_of({{1, -50}, {2, -54}});
  auto c = f.choose(near, {}, true, 1);
  REQUIRE(c.pick);
  CHECK(c.pick->gw == gw(2));
  CHECK(c.balanced);
  auto far = route_of({{1, -50}, {2, -57}});
  c = f.choose(far, {}, true, 1);
  REQUIRE(c.pick);
  CHECK(c.pick->gw == gw(1));
  CHECK_FALSE(c.balanced);
  CHECK(f.totals().balanced == 1);
  // Tried gateways are not candidates, as with the plain rule.
  c = f.choose(near, {gw(2)}, true, 1);
  CHECK(c.pick->gw == gw(1));
}

TEST_CASE("margin 0 or flow control off: the plain RSSI rule", "[flow]") {
  for (int variant = 0; variant < 2; ++variant) {
    auto o = opts(1);
    if (variant == 0)
      o.balance_margin_db = 0;
    else
      o.enabled = false;
    gateway_flow f{o};
    f.admit(gw(1), key(1), priority::normal, 0);
    f.admit(gw(1), key(2), priority::normal, 0);
    auto c = f.choose(route_of({{1, -50}, {2, -50}}), {}, true, 1);
    REQUIRE(c.pick);
    CHECK(c.pick->gw == gw(1));
  }
}

TEST_CASE("flow control off: nothing ever waits", "[flow]") {
  auto o = opts(1);
  o.enabled = false;
  gateway_flow f{o};
  for (uint64_t id = 1; id <= 100; ++id)
    CHECK(f.admit(gw(1), key(id), priority::bulk, 0));
  CHECK(f.waiting() == 0);
  CHECK(f.stats_of(gw(1), 0)->in_flight == 100);
}

TEST_CASE("breaker: silent attempts in a row mark a gateway down, its waiters are rerouted, a "
          "probe brings it back",
          "[flow]") {
  gateway_flow f{opts(3)};
  std::vector<launch> out;
  for (uint64_t id = 1; id <= 5; ++id)
    f.admit(gw(1), key(id), priority::normal, 0);
  CHECK(f.waiting() == 2);
  f.release(key(1), signal::silence, 100, out); // 1 of 3; the window shrinks (3 -> 1.5)
  CHECK(out.empty());                           // 2 in flight >= window 1: nobody goes
  f.release(key(2), signal::silence, 101, out);
  CHECK(out.empty());
  f.release(key(3), signal::silence, 102, out); // 3 of 3: down
  REQUIRE(out.size() == 2);
  CHECK(out[0].reroute);
  CHECK(out[1].reroute);
  CHECK(f.waiting() == 0);
  auto s = f.stats_of(gw(1), 103);
  CHECK(s->breaker == breaker_state::down);
  CHECK(s->breaker_trips == 1);
  // New commands go to the runner-up, even though the down one is stronger.
  auto r = route_of({{1, -40}, {2, -70}});
  auto c = f.choose(r, {}, true, 200);
  CHECK(c.pick->gw == gw(2));
  CHECK(c.avoided_down);
  // A route with only the down gateway gets nothing: its command asks again
  // later (nothing waits at a down gateway: nothing would wake it).
  c = f.choose(route_of({{1, -40}}), {}, true, 200);
  CHECK_FALSE(c.pick);
  CHECK(c.all_down);
  CHECK(f.totals().all_down == 1);
  // Its runner-up tried already (and up): repeated rather than waiting.
  c = f.choose(r, {gw(2)}, true, 200);
  REQUIRE(c.pick);
  CHECK(c.pick->gw == gw(2));
  c = f.choose(r, {gw(2)}, false, 200);
  CHECK(c.all_down);
  // Should it trip between choose() and admit(), the attempt goes anyway.
  CHECK(f.admit(gw(1), key(30), priority::normal, 200));
  out.clear();
  f.release(key(30), signal::neutral, 201, out);
  // After the cool-down (1 s) the next command probes; others keep away meanwhile.
  int64_t later = 102 + 1'000'000;
  c = f.choose(r, {}, true, later);
  CHECK(c.pick->gw == gw(1));
  CHECK(f.admit(gw(1), key(10), priority::normal, later));
  CHECK(f.stats_of(gw(1), later)->breaker == breaker_state::probing);
  c = f.choose(r, {}, true, later);
  CHECK(c.pick->gw == gw(2));
  // The probe is answered: up again.
  out.clear();
  f.release(key(10), signal::ack, later + 5, out);
  CHECK(f.stats_of(gw(1), later + 5)->breaker == breaker_state::up);
  CHECK(f.totals().breaker_recoveries == 1);
}

TEST_CASE("breaker: a silent probe marks the gateway down again; an answer in between resets the "
          "count",
          "[flow]") {
  gateway_flow f{opts(8)};
  std::vector<launch> out;
  int64_t t = 0;
  // silence, silence, ack, silence: no trip.
  for (uint64_t id = 1; id <= 4; ++id)
    f.admit(gw(1), key(id), priority::normal, t);
  f.release(key(1), signal::silence, ++t, out);
  f.release(key(2), signal::silence, ++t, out);
  f.release(key(3), signal::ack, ++t, out);
  f.release(key(4), signal::silence, ++t, out);
  CHECK(f.stats_of(gw(1), t)->breaker == breaker_state::up);
  for (uint64_t id = 5; id <= 7; ++id)
    f.admit(gw(1), key(id), priority::normal, t);
  for (uint64_t id = 5; id <= 7; ++id)
    f.release(key(id), signal::silence, ++t, out);
  CHECK(f.stats_of(gw(1), t)->breaker == breaker_state::down);
  t += 1'000'000;
  CHECK(f.admit(gw(1), key(20), priority::normal, t));
  CHECK_FALSE(f.admit(gw(1), key(21), priority::normal, t)); // waits behind the probe
  out.clear();
  f.release(key(20), signal::silence, t + 1, out);
  CHECK(f.stats_of(gw(1), t + 1)->breaker == breaker_state::down);
  REQUIRE(out.size() == 1);
  CHECK(out[0].reroute);
  CHECK(f.stats_of(gw(1), t + 1)->breaker_trips == 2);
}

TEST_CASE("breaker off: silence never marks a gateway down", "[flow]") {
  auto o = opts(8);
  o.breaker_silent_attempts = 0;
  gateway_flow f{o};
  std::vector<launch> out;
  for (uint64_t id = 1; id <= 20; ++id) {
    f.admit(gw(1), key(id), priority::normal, 0);
    f.release(key(id), signal::silence, 1, out);
  }
  CHECK(f.stats_of(gw(1), 2)->breaker == breaker_state::up);
}

TEST_CASE("forget drops a waiting attempt and frees held slots", "[flow]") {
  gateway_flow f{opts(1)};
  std::vector<launch> out;
  CHECK(f.admit(gw(1), key(1), priority::normal, 0));
  CHECK_FALSE(f.admit(gw(1), key(2), priority::normal, 0));
  CHECK_FALSE(f.admit(gw(1), key(3), priority::normal, 0));
  f.forget(2, 1, out); // waiting: gone, nothing sent
  CHECK(out.empty());
  CHECK(f.waiting() == 1);
  f.forget(1, 2, out); // in flight: its slot goes to the next waiter (3, not 2)
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == key(3));
  CHECK(f.in_flight() == 1);
}

namespace {

/// A gateway with `slots` radios and an unbounded FIFO queue, transmissions
/// uniform in [tx_us, 2 tx_us], answers `rtt_us` after they end; an endless
/// backlog of attempts behind the window. Returns the window at the end and
/// the largest queue the gateway had over the second half of the run.
struct radio_run {
  double window = 0;
  double window_lo = 1e9, window_hi = 0;
  size_t peak_queue_late = 0;
  double utilisation = 0; ///< busy radio time / (slots x elapsed), second half
};

radio_run run_radio(gateway_flow& f, int slots, int64_t tx_us, int64_t rtt_us, int acks) {
  struct job {
    attempt_key key;
    int64_t ready_us; // arrives at the gateway
  };
  std::deque<job> queue;                    // at the gateway, FIFO
  std::multimap<int64_t, attempt_key> ends; // answer arrival at the node
  std::vector<int64_t> radio_free(static_cast<size_t>(slots), 0);
  uint64_t next_id = 1;
  int64_t now = 0;
  std::vector<launch> out;
  uint64_t rng = 12345;
  auto draw = [&] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return tx_us + static_cast<int64_t>((rng >> 33) % static_cast<uint64_t>(tx_us + 1));
  };
  auto send = [&](attempt_key k) { queue.push_back({k, now + rtt_us / 2}); };
  // Fill the window, the rest waits.
  for (int i = 0; i < 1000; ++i) {
    attempt_key k{next_id++, 1};
    if (f.admit(gw(1), k, priority::bulk, now))
      send(k);
  }
  radio_run r;
  int64_t busy_us = 0, half_start = -1;
  for (int done = 0; done < acks;) {
    // Start transmissions on free radios.
    for (auto& free_at : radio_free) {
      if (queue.empty())
        break;
      auto start = std::max(free_at, queue.front().ready_us);
      if (start > now)
        continue;
      auto t = draw();
      free_at = start + t;
      if (half_start >= 0)
        busy_us += t;
      ends.emplace(free_at + rtt_us / 2, queue.front().key);
      queue.pop_front();
    }
    if (half_start >= 0) {
      r.peak_queue_late = std::max(r.peak_queue_late, queue.size());
      auto w = f.stats_of(gw(1), now)->window;
      r.window_lo = std::min(r.window_lo, w);
      r.window_hi = std::max(r.window_hi, w);
    }
    // Next event: an answer, or a radio/arrival becoming ready.
    int64_t next = ends.empty() ? INT64_MAX : ends.begin()->first;
    for (auto free_at : radio_free)
      if (!queue.empty() && free_at > now)
        next = std::min(next, std::max(free_at, queue.front().ready_us));
    if (!queue.empty() && queue.front().ready_us > now)
      next = std::min(next, queue.front().ready_us);
    REQUIRE(next != INT64_MAX);
    now = std::max(now + 1, next);
    while (!ends.empty() && ends.begin()->first <= now) {
      auto k = ends.begin()->second;
      ends.erase(ends.begin());
      out.clear();
      f.release(k, signal::ack, now, out);
      for (auto& l : out)
        send(l.key);
      // Keep the backlog endless.
      attempt_key more{next_id++, 1};
      if (f.admit(gw(1), more, priority::bulk, now))
        send(more);
      if (++done == acks / 2)
        half_start = now;
    }
  }
  r.window = f.stats_of(gw(1), now)->window;
  r.utilisation = static_cast<double>(busy_us) / (static_cast<double>(now - half_start) * slots);
  return r;
}

} // namespace

TEST_CASE("the window settles just above the gateway's radios: busy radios, a short queue",
          "[flow]") {
  for (int slots : {1, 4, 8}) {
    CAPTURE(slots);
    auto o = opts(8);
    o.window_max = 64;
    gateway_flow f{o};
    // 100-200 ms on air, 2 ms backbone round trip.
    auto r = run_radio(f, slots, 100'000, 2'000, 4000);
    CAPTURE(r.window_lo, r.window_hi, r.peak_queue_late, r.utilisation);
    // Never below the radios for long (they stay busy) ...
    CHECK(r.window_lo >= slots);
    CHECK(r.utilisation > 0.95);
    // ... and the queue it keeps at the gateway stays short: about one
    // transmission's worth of waiting for what comes next (an urgent
    // command), where AIMD alone would fill the gateway's queue to busy.
    CHECK(r.window_hi <= 2 * slots + 2);
    CHECK(r.peak_queue_late <= static_cast<size_t>(slots + 2));
  }
}
