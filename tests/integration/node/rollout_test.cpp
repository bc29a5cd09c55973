// Priorities and rollout control through a real node (mosquitto, redis-server,
// the gateway emulator): an abort threshold against gateways that NACK
// everything, and a rate limit's lower bound on a job's duration.

#include <chrono>

#include "tests/integration/node/node_fixture.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("a job past its abort threshold ends most commands aborted", "[node]") {
  // A small running cap, so that most commands wait in the shards.
  node_fixture f{2, 300, 0, [](node_options& o) { o.commands.max_running = 4; }};
  sim::gateway_behavior b;
  b.nack_rate = 1;
  b.nack_code = 3; // low battery: final, no other gateway tried
  f.emu->set_behavior_all(b);
  auto job = sim::make_job("abort-me", f.all_esls(), 300); // one command per ESL
  job.abort_threshold = 0.5;
  job.abort_min_outcomes = 10;
  auto r = f.run(job);
  auto nacked = count_status(r, outcome_status::nacked);
  auto aborted = count_status(r, outcome_status::aborted);
  std::printf("[rollout] abort_threshold 0.5 after 10 against NACKing gateways: %zu nacked, %zu "
              "aborted of 300\n",
              nacked, aborted);
  CHECK(nacked + aborted == 300);
  CHECK(nacked >= 10);
  CHECK(aborted >= 200); // most: only what ran before the abort reached the shards was sent
  for (auto& o : r.outcomes)
    if (o.status == outcome_status::aborted) {
      CHECK(o.reason == "abort_threshold");
      CHECK(o.attempts == 0);
    }
  CHECK(f.counter("jobs.aborted") == 1);
  CHECK(f.counter("outcomes.aborted") == aborted);
  // Every command that did not end acked is a dead letter, aborted ones too.
  CHECK(wait_until([&] { return f.producer->dead_letters("abort-me") == 300; }, 10s));
  // The node takes the next job as usual.
  f.emu->set_behavior_all(sim::gateway_behavior{});
  auto next = f.run(sim::make_job("after-abort", f.all_esls(), 20));
  CHECK(count_status(next, outcome_status::acked) == 20);
}

TEST_CASE("a rate-limited job takes at least (N - 1) / rate; high priority goes through",
          "[node]") {
  node_fixture f{2, 40, 0};
  auto job = sim::make_job("rated", f.all_esls(), 11);
  job.rate_per_s = 20; // 10 intervals of 50 ms
  job.prio = priority::high;
  auto t0 = std::chrono::steady_clock::now();
  auto r = f.run(job);
  auto took = std::chrono::steady_clock::now() - t0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  std::printf("[rollout] 11 commands at rate 20/s took %lld ms (at least 500)\n",
              static_cast<long long>(ms));
  CHECK(count_status(r, outcome_status::acked) == 11);
  CHECK(took >= std::chrono::milliseconds{500}); // a lower bound only
  CHECK(f.counter("outcomes.aborted") == 0);
}
