#include <catch2/catch.hpp>

#include "runtime/command/timer_queue.hpp"

using namespace shelfwire;

TEST_CASE("timers come out earliest first, only when due") {
  timer_queue q;
  q.push({300, 3, 0, 1});
  q.push({100, 1, 0, 1});
  q.push({200, 2, 1, 7});
  CHECK(q.next_due_us() == 100);
  std::vector<uint64_t> fired;
  q.pop_due(99, [&](const timer_entry& e) { fired.push_back(e.command_id); });
  CHECK(fired.empty());
  q.pop_due(200, [&](const timer_entry& e) { fired.push_back(e.command_id); });
  CHECK(fired == std::vector<uint64_t>{1, 2});
  CHECK(q.size() == 1);
  q.pop_due(1000, [&](const timer_entry& e) { fired.push_back(e.command_id); });
  CHECK(fired == std::vector<uint64_t>{1, 2, 3});
  CHECK(q.empty());
}

TEST_CASE("ticks round up to the resolution so close timers share one") {
  CHECK(timer_queue::tick_for(10'001, 10'000) == 20'000);
  CHECK(timer_queue::tick_for(20'000, 10'000) == 20'000);
  CHECK(timer_queue::tick_for(0, 10'000) == 0);
  CHECK(timer_queue::tick_for(19'999, 10'000) == 20'000);
}
