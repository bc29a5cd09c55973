#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "runtime/log/throttle.hpp"

using shelfwire::log::throttle;

namespace {

constexpr int64_t second_us = 1'000'000;

} // namespace

TEST_CASE("throttle lets N lines per second through") {
  throttle t{3};
  const int64_t t0 = 5 * second_us;
  CHECK(t.allow(t0));
  CHECK(t.allow(t0 + 1));
  CHECK(t.allow(t0 + 500'000));
  CHECK_FALSE(t.allow(t0 + 600'000));
  CHECK_FALSE(t.allow(t0 + second_us - 1));
}

TEST_CASE("throttle counts what it suppressed and hands the count to the next line") {
  throttle t{1};
  uint64_t s = 99;
  REQUIRE(t.allow(0, s));
  CHECK(s == 0);
  CHECK(t.suppressed() == 0);
  for (int i = 0; i < 7; ++i) {
    uint64_t untouched = 42;
    CHECK_FALSE(t.allow(i * 1000, untouched));
    CHECK(untouched == 42); // left alone on false
  }
  CHECK(t.suppressed() == 0); // still the count of the last line through
  REQUIRE(t.allow(second_us, s));
  CHECK(s == 7);
  CHECK(t.suppressed() == 7);
  REQUIRE_FALSE(t.allow(second_us + 1));
  REQUIRE(t.allow(2 * second_us)); // the one-argument form, as actors use it
  CHECK(t.suppressed() == 1);
  REQUIRE(t.allow(3 * second_us, s));
  CHECK(s == 0); // nothing swallowed in between
}

TEST_CASE("throttle opens a new window a second after the last one opened") {
  throttle t{2};
  const int64_t t0 = 10 * second_us + 123;
  CHECK(t.allow(t0));
  CHECK(t.allow(t0 + 10));
  CHECK_FALSE(t.allow(t0 + 20));
  CHECK_FALSE(t.allow(t0 + second_us - 1)); // one microsecond short
  CHECK(t.allow(t0 + second_us));           // the new window starts here
  CHECK(t.suppressed() == 2);
  CHECK(t.allow(t0 + second_us + 999'999));
  CHECK_FALSE(t.allow(t0 + 2 * second_us - 1)); // still the window opened at t0 + 1 s
  CHECK(t.allow(t0 + 2 * second_us));
  CHECK(t.suppressed() == 1);
  // A long quiet spell: the next line goes through at once.
  CHECK(t.allow(t0 + 3600 * second_us));
  CHECK(t.suppressed() == 0);
}

TEST_CASE("throttle: the first call passes, whatever the clock's epoch") {
  for (int64_t t0 : {int64_t{0}, int64_t{1}, int64_t{-5} * second_us, int64_t{1} << 50}) {
    throttle t{1};
    CHECK(t.allow(t0));
    CHECK_FALSE(t.allow(t0));
  }
}

TEST_CASE("throttle with a limit of 0 lets nothing through") {
  throttle t{0};
  CHECK_FALSE(t.allow(0));
  CHECK_FALSE(t.allow(10 * second_us));
}

TEST_CASE("throttle under threads: at most N per window, every suppression counted once") {
  constexpr uint32_t per_second = 4;
  constexpr int threads = 8;
  constexpr int calls = 50000; // per thread and window
  constexpr int windows = 6;
  throttle t{per_second};
  uint64_t reported = 0; // the sum of the counts handed to lines that got through
  uint64_t denied = 0;
  for (int w = 0; w < windows; ++w) {
    // Every call of this round falls into window w; the round ends (join)
    // before the next one starts, so windows cannot interleave.
    std::atomic<bool> go{false};
    std::atomic<uint64_t> allowed{0};
    std::atomic<uint64_t> round_reported{0};
    std::atomic<uint64_t> round_denied{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
      pool.emplace_back([&, i] {
        while (!go.load())
          std::this_thread::yield(); // start together: as much contention as we can get
        uint64_t my_reported = 0;
        uint64_t my_denied = 0;
        for (int k = 0; k < calls; ++k) {
          // Spread over 0.9 s; rounds start 2 s apart, so the first call of
          // a round opens its window and every later one falls inside it.
          const int64_t now = 2 * (w + 1) * second_us + (i * calls + k) % 900'000;
          uint64_t s = 0;
          if (t.allow(now, s)) {
            allowed.fetch_add(1);
            my_reported += s;
          } else {
            ++my_denied;
          }
        }
        round_reported.fetch_add(my_reported);
        round_denied.fetch_add(my_denied);
      });
    go.store(true);
    for (auto& th : pool)
      th.join();
    CHECK(allowed.load() == per_second);
    CHECK(allowed.load() + round_denied.load() == uint64_t{threads} * calls);
    reported += round_reported.load();
    denied += round_denied.load();
  }
  // One more line in a fresh window collects what the last window swallowed.
  uint64_t s = 0;
  REQUIRE(t.allow(2 * (windows + 1) * second_us, s));
  reported += s;
  CHECK(reported == denied);
}
