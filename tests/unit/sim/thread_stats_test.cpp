// The simulator's per-thread CPU table: samples of a process's threads from
// /proc, and what the threads of each name did between two samples.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "runtime/core/thread_name.hpp"
#include "sim/harness/thread_stats.hpp"

using namespace shelfwire::sim;

TEST_CASE("thread deltas: grouped by name, differences, new threads from zero, idle left out",
          "[sim][threads]") {
  std::map<int, thread_sample> before{{1, thread_sample{"rcv", 1.0, 100, 10}},
                                      {2, thread_sample{"worker", 2.0, 50, 5}},
                                      {3, thread_sample{"worker", 0.5, 20, 2}},
                                      {4, thread_sample{"idle", 0.1, 3, 0}},
                                      {5, thread_sample{"gone", 0.3, 9, 9}}};
  std::map<int, thread_sample> after{{1, thread_sample{"rcv", 1.5, 140, 10}},
                                     {2, thread_sample{"worker", 2.25, 60, 6}},
                                     {3, thread_sample{"worker", 1.0, 25, 2}},
                                     {4, thread_sample{"idle", 0.1, 3, 0}},
                                     {6, thread_sample{"new", 0.2, 7, 1}}};
  auto d = thread_deltas(before, after);
  REQUIRE(d.size() == 3);       // idle did nothing, gone is gone
  CHECK(d[0].name == "worker"); // busiest first: 0.75 s
  CHECK(d[0].threads == 2);
  CHECK(d[0].cpu_s == Approx(0.75));
  CHECK(d[0].voluntary == 15);
  CHECK(d[0].involuntary == 1);
  CHECK(d[1].name == "rcv");
  CHECK(d[1].voluntary == 40);
  CHECK(d[2].name == "new");
  CHECK(d[2].cpu_s == Approx(0.2));
  CHECK(d[2].voluntary == 7);

  merge_groups(d, {thread_group{"rcv", 1, 1.0, 1, 1}});
  CHECK(d[0].name == "rcv"); // 1.5 s now
  CHECK(d[0].threads == 2);
  CHECK(d[0].voluntary == 41);
}

TEST_CASE("thread table: per command figures and the wake-ups of all the threads",
          "[sim][threads]") {
  std::vector<thread_group> g{{"rcv", 1, 0.5, 300, 10}, {"worker", 2, 0.25, 100, 0}};
  CHECK(total_wakeups(g) == 400);
  auto t = thread_table(g, 1000, 1.0);
  CHECK(t.find("500") != std::string::npos);  // rcv: 500 us per command
  CHECK(t.find("50 %") != std::string::npos); // rcv: half of the 1.0 s
  CHECK(t.find("0.30") != std::string::npos); // rcv: 0.30 wake-ups per command
  CHECK(t.find("all these threads: 0.40\n") != std::string::npos);
}

TEST_CASE("thread samples: this process's named thread, its CPU and its wake-ups",
          "[sim][threads]") {
  std::mutex mtx;
  std::condition_variable cv;
  int step = 0; // 1: named; 2: go; 3: worked, about to wait; 4: stop
  std::thread t{[&] {
    shelfwire::name_this_thread("sw.test-thread");
    std::unique_lock<std::mutex> lk{mtx};
    step = 1;
    cv.notify_all();
    cv.wait(lk, [&] { return step >= 2; });
    lk.unlock();
    timespec ts{};
    do // 60 ms of its own CPU
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    while (ts.tv_sec == 0 && ts.tv_nsec < 60'000'000);
    lk.lock();
    step = 3;
    cv.notify_all();
    cv.wait(lk, [&] { return step >= 4; }); // blocks: a voluntary switch
  }};
  std::unique_lock<std::mutex> lk{mtx};
  cv.wait(lk, [&] { return step == 1; });
  auto before = sample_threads(getpid());
  step = 2;
  cv.notify_all();
  REQUIRE(cv.wait_for(lk, std::chrono::seconds{30}, [&] { return step == 3; }));
  lk.unlock();
  // Until the thread has blocked again (its wait), within a deadline.
  std::vector<thread_group> d;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  auto mine = [&] {
    return std::find_if(d.begin(), d.end(), [](auto& x) { return x.name == "sw.test-thread"; });
  };
  do {
    d = thread_deltas(before, sample_threads(getpid()));
    if (mine() != d.end() && mine()->voluntary >= 1)
      break;
    std::this_thread::yield();
  } while (std::chrono::steady_clock::now() < deadline);
  lk.lock();
  step = 4;
  cv.notify_all();
  lk.unlock();
  t.join();
  auto g = mine();
  REQUIRE(g != d.end());
  CHECK(g->threads == 1);
  CHECK(g->cpu_s >= 0.04); // its 60 ms, in clock ticks
  CHECK(g->voluntary >= 1);
}
