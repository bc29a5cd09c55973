#include <catch2/catch.hpp>

#include <vector>

#include "runtime/command/rollout_control.hpp"

using namespace shelfwire;

namespace {

/// Releases `n` commands as a coordinator does: try, and when refused wake
/// up at next_release_us. Returns each release's time.
std::vector<int64_t> release_times(rollout_control& r, size_t n, int64_t start_us) {
  std::vector<int64_t> at;
  auto now = start_us;
  while (at.size() < n) {
    if (r.try_take(now)) {
      at.push_back(now);
      continue;
    }
    auto next = r.next_release_us(now);
    REQUIRE(next > now);
    now = next;
  }
  return at;
}

rollout_limits rate(double per_s) {
  rollout_limits l;
  l.rate_per_s = per_s;
  return l;
}

rollout_limits threshold(double share, uint32_t min_outcomes) {
  rollout_limits l;
  l.abort_threshold = share;
  l.abort_min_outcomes = min_outcomes;
  return l;
}

} // namespace

TEST_CASE("rollout: without a rate every command may go at once") {
  rollout_control r{{}, 0};
  CHECK_FALSE(r.rate_limited());
  for (int i = 0; i < 1000; ++i)
    REQUIRE(r.try_take(0));
}

TEST_CASE("rollout: a rate releases one command per 1/rate, the first at once") {
  rollout_control r{rate(10), 1'000'000};
  CHECK(r.burst() == 1.0);
  auto at = release_times(r, 21, 1'000'000);
  CHECK(at.front() == 1'000'000);
  for (size_t k = 0; k < at.size(); ++k) {
    CAPTURE(k);
    CHECK(at[k] >= 1'000'000 + static_cast<int64_t>(k) * 100'000 - 1); // no earlier
    CHECK(at[k] <= 1'000'000 + static_cast<int64_t>(k) * 100'000 + 1); // and no later
  }
  // 20 intervals of 100 ms: N commands take (N - 1) / rate.
  CHECK(at.back() - at.front() >= 2'000'000 - 1);
}

TEST_CASE("rollout: fast rates release in small bursts, at most every 10 ms") {
  rollout_control r{rate(1000), 0};
  CHECK(r.burst() == Approx(10.0));
  auto at = release_times(r, 1001, 0);
  // The k-th no earlier than (k + 1 - burst) / rate.
  for (size_t k = 0; k < at.size(); ++k)
    REQUIRE(at[k] >= (static_cast<int64_t>(k) + 1 - 10) * 1000 - 1);
  CHECK(at.back() >= 990'000);
  CHECK(at.back() <= 1'010'000);
  // Wake-ups are at least 10 ms apart.
  int64_t last = -1;
  size_t wakeups = 0;
  for (auto t : at)
    if (t != last) {
      if (last >= 0)
        REQUIRE(t - last >= rollout_control::min_interval_us);
      last = t;
      ++wakeups;
    }
  CHECK(wakeups <= 102);
}

TEST_CASE("rollout: an idle bucket fills to its burst only") {
  rollout_control r{rate(2), 0};
  REQUIRE(r.try_take(0));
  // A minute without demand: still only one token.
  REQUIRE(r.try_take(60'000'000));
  CHECK_FALSE(r.try_take(60'000'000));
  CHECK(r.next_release_us(60'000'000) == 60'500'000);
  CHECK_FALSE(r.try_take(60'499'000));
  CHECK(r.try_take(60'500'000));
}

TEST_CASE("rollout: the abort threshold counts only after abort_min_outcomes") {
  rollout_control r{threshold(0.5, 10), 0};
  // One early failure does not abort.
  CHECK_FALSE(r.record(outcome_status::nacked));
  for (int i = 0; i < 7; ++i)
    CHECK_FALSE(r.record(outcome_status::acked));
  CHECK_FALSE(r.record(outcome_status::timed_out));  // 2 of 9
  CHECK_FALSE(r.record(outcome_status::unroutable)); // 3 of 10: below
  CHECK_FALSE(r.aborted());
  std::vector<bool> crossed;
  for (int i = 0; i < 6; ++i)
    crossed.push_back(r.record(outcome_status::failed));
  // 4/11, 5/12, 6/13, then 7 of 14 = 0.5 crosses; later ones do not again.
  CHECK(crossed == std::vector<bool>{false, false, false, true, false, false});
  CHECK(r.aborted());
  CHECK(r.failures() == 9);
  CHECK(r.counted() == 16);
}

TEST_CASE("rollout: crossing is reported once, exactly at the share") {
  rollout_control r{threshold(0.1, 10), 0};
  for (int i = 0; i < 27; ++i)
    REQUIRE_FALSE(r.record(outcome_status::acked));
  REQUIRE_FALSE(r.record(outcome_status::nacked));
  REQUIRE_FALSE(r.record(outcome_status::nacked)); // 2 of 29
  CHECK(r.record(outcome_status::nacked));         // 3 of 30 = 0.1
  CHECK(r.aborted());
  CHECK_FALSE(r.record(outcome_status::nacked)); // once
  CHECK(r.aborted());
}

TEST_CASE("rollout: superseded and aborted outcomes count neither way") {
  rollout_control r{threshold(1.0, 3), 0};
  for (int i = 0; i < 10; ++i) {
    r.record(outcome_status::superseded);
    r.record(outcome_status::aborted);
  }
  CHECK(r.counted() == 0);
  CHECK_FALSE(r.aborted());
  r.record(outcome_status::nacked);
  r.record(outcome_status::failed);
  CHECK_FALSE(r.aborted());
  CHECK(r.record(outcome_status::timed_out)); // 3 of 3 = 1.0
  CHECK(rollout_control::is_failure(outcome_status::unroutable));
  CHECK_FALSE(rollout_control::is_failure(outcome_status::acked));
  CHECK_FALSE(rollout_control::is_failure(outcome_status::superseded));
  CHECK_FALSE(rollout_control::is_failure(outcome_status::aborted));
}

TEST_CASE("rollout: no threshold, never aborted; a standby rebuilds the same state") {
  rollout_control none{{}, 0};
  for (int i = 0; i < 100; ++i)
    CHECK_FALSE(none.record(outcome_status::failed));
  CHECK_FALSE(none.aborted());
  // A standby records the replicated outcomes in another order: same verdict.
  std::vector<outcome_status> seq = {outcome_status::acked, outcome_status::nacked,
                                     outcome_status::nacked, outcome_status::acked,
                                     outcome_status::nacked};
  rollout_control a{threshold(0.6, 5), 0};
  rollout_control b{threshold(0.6, 5), 0};
  for (auto s : seq)
    a.record(s);
  for (auto i = seq.rbegin(); i != seq.rend(); ++i)
    b.record(*i);
  CHECK(a.aborted());
  CHECK(b.aborted());
}
