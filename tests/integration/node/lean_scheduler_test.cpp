// The node's scheduler (actors/node/lean_scheduler): CAF's coordinator with a
// clock that hears of an actor's end only if the actor set a timeout. A real
// actor system with real threads; no servers.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>

#include <caf/all.hpp>

#include "actors/node/lean_scheduler.hpp"
#include "sim/harness/thread_stats.hpp"

using namespace shelfwire;

namespace {

using namespace std::chrono_literals;

/// Times the clock thread (`sw.clock`) blocked so far; -1 if there is none.
int64_t clock_wakeups() {
  for (auto& [tid, t] : sim::sample_threads(getpid()))
    if (t.name == "sw.clock")
      return static_cast<int64_t>(t.voluntary);
  return -1;
}

struct lean_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  explicit lean_system(bool stealing = false) {
    cfg.set("scheduler.max-threads", 1);
    use_lean_scheduler(cfg, stealing);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

// The actors take one unused argument: CAF 0.17.6 binds a null reference for
// an actor spawned without arguments (UBSan, tests/actors/actor_fixture.hpp).
caf::behavior echo(caf::event_based_actor* self, int) {
  return {[=](int x) {
    self->quit();
    return x;
  }};
}

caf::behavior silent(caf::event_based_actor*, int) {
  return {[](int) -> caf::result<int> { return caf::delegated<int>{}; }};
}

} // namespace

TEST_CASE("lean scheduler: timeouts, delayed messages and requests work as with CAF's",
          "[node][scheduler]") {
  for (bool stealing : {false, true}) {
    lean_system ls{stealing};
    caf::scoped_actor self{*ls.sys};
    // A delayed message arrives after its delay.
    auto t0 = std::chrono::steady_clock::now();
    self->delayed_send(self, 50ms, 7);
    self->receive([](int x) { CHECK(x == 7); },
                  caf::after(5s) >> [] { FAIL("no delayed message"); });
    CHECK(std::chrono::steady_clock::now() - t0 >= 50ms);
    // A request nobody answers times out.
    auto mute = ls.sys->spawn(silent, 0);
    bool timed_out = false;
    self->request(mute, 100ms, 1)
        .receive([](int) { FAIL("an answer from a silent actor"); },
                 [&](caf::error& e) { timed_out = e == caf::sec::request_timeout; });
    CHECK(timed_out);
    // An answered request with a timeout: the answer, and no late timeout.
    auto e = ls.sys->spawn(echo, 0);
    self->request(e, 5s, 3).receive([](int x) { CHECK(x == 3); },
                                    [](caf::error&) { FAIL("echo did not answer"); });
    self->send_exit(mute, caf::exit_reason::user_shutdown);
  }
}

TEST_CASE("lean scheduler: actors without timeouts end without waking the clock thread",
          "[node][scheduler]") {
  lean_system ls;
  caf::scoped_actor self{*ls.sys};
  auto before = clock_wakeups();
  REQUIRE(before >= 0);
  for (int i = 0; i < 2'000; ++i) {
    auto e = ls.sys->spawn(echo, 0);
    self->request(e, caf::infinite, i)
        .receive([&](int x) { CHECK(x == i); }, [](caf::error&) { FAIL("no answer"); });
  }
  // CAF's own clock: about one wake-up per 7 ended actors here (each end an
  // event for the clock thread); now none but the scoped actor's bookkeeping.
  CHECK(clock_wakeups() - before <= 5);

  // Actors that did set a timeout are still cancelled at their end (the
  // clock hears of those): each request with a timeout reaches the clock.
  auto mid = clock_wakeups();
  for (int i = 0; i < 50; ++i) {
    auto e = ls.sys->spawn(echo, 0);
    self->request(e, 10s, i).receive([](int) {}, [](caf::error&) { FAIL("no answer"); });
  }
  CHECK(clock_wakeups() - mid >= 1);
}

TEST_CASE("lean scheduler: answered requests with timeouts do not wake the clock thread each",
          "[node][scheduler]") {
  // CAF's clock wakes its thread to enter each timeout (and again when it
  // falls due: CAF 0.17.6 never cancels an answered request's timeout). Here
  // an entry due after the thread's next wake-up waits for that wake-up.
  lean_system ls;
  caf::scoped_actor self{*ls.sys};
  auto mute = ls.sys->spawn(silent, 0);
  // One entry far out, as a node always has some (heartbeats, ticks).
  self->delayed_send(mute, 60s, 0);
  auto before = clock_wakeups();
  REQUIRE(before >= 0);
  for (int i = 0; i < 2'000; ++i) {
    auto e = ls.sys->spawn(echo, 0);
    self->request(e, 10s, i).receive([&](int x) { CHECK(x == i); },
                                     [](caf::error&) { FAIL("no answer"); });
  }
  CHECK(clock_wakeups() - before <= 10);
  self->send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST_CASE("lean scheduler: an entry due before the clock's next wake-up wakes it",
          "[node][scheduler]") {
  lean_system ls;
  caf::scoped_actor self{*ls.sys};
  auto mute = ls.sys->spawn(silent, 0);
  self->delayed_send(mute, 60s, 0); // the clock thread sleeps 60 s
  auto t0 = std::chrono::steady_clock::now();
  self->delayed_send(self, 50ms, 7);
  self->receive([](int x) { CHECK(x == 7); },
                caf::after(5s) >> [] { FAIL("the delayed message waited for the far entry"); });
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= 50ms);
  CHECK(waited < 2s);
  self->send_exit(mute, caf::exit_reason::user_shutdown);
}
