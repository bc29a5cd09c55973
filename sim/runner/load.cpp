// The load: a producer submitting tasks per producer.mode (closed loop,
// open loop at a rate, reprice a whole store), the events that happen while
// it runs (the outage window, moving ESLs) and the progress line.

#include <algorithm>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "runtime/core/clock.hpp"
#include "sim/producer/job_client.hpp"
#include "sim/runner/run_state.hpp"
#include "sim/runner/task_driver.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

namespace {

/// What the load's threads share while it runs.
struct load_context {
  int64_t total_tasks = 0;
  size_t commands_per_task = 0;
  std::atomic<bool> finished{false};
  std::mutex out_mtx;                // the events and progress threads both print
  std::atomic<int64_t> next_task{0}; // closed loop: the next task's number
  /// Task ids are "{prefix}{n}", the prefix unique per run: a job id is the
  /// job's identity, and a cluster that ran "demo-7" minutes ago answers a
  /// second "demo-7" with the kept result instead of running it.
  std::string id_prefix;
  task_driver* driver = nullptr;
  /// producer.urgent-at-per-mille: commands with an outcome before the
  /// urgent job goes out (0: none), and whether it has.
  uint64_t urgent_after = 0;
  bool urgent_sent = false;
};

/// "{scenario}-{8 hex digits}-": the digits from the clock and the pid.
std::string run_id_prefix(const std::string& scenario) {
  auto t = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  auto v = static_cast<uint32_t>((t ^ (t >> 32) ^ (static_cast<uint64_t>(::getpid()) << 16)) &
                                 0xffffffffu);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return scenario + "-" + buf + "-";
}

/// The nodes' counters the report counts as deltas over the load (a running
/// cluster's include what it did before).
const char* const counted[] = {"outcomes.acked",      "outcomes.nacked",   "outcomes.timed_out",
                               "outcomes.unroutable", "outcomes.failed",   "outcomes.superseded",
                               "outcomes.aborted",    "replies.duplicate", "replies.late",
                               "replies.malformed",   "status.malformed",  "replies.received",
                               "replies.crossed",     "jobs.taken_over",   "jobs.adopted_commands"};

int64_t total_tasks_of(const scenario& sc) {
  if (sc.mode == "reprice")
    return (sc.esls + sc.commands_per_task - 1) / sc.commands_per_task;
  return sc.tasks;
}

wire::job_submission make_task(const std::string& id, const std::vector<esl_mac>& esls,
                               size_t first, size_t k, int64_t t) {
  wire::job_submission job;
  job.job = id;
  for (size_t j = 0; j < k; ++j) {
    wire::job_command c;
    c.esl = esls[(first + j) % esls.size()];
    c.op = wire::op_kind::price;
    c.args.emplace_back("price", std::to_string(100 + t % 900) + ".99");
    job.commands.push_back(std::move(c));
  }
  return job;
}

/// The urgent job (producer.urgent-at-per-mille): one price for an ESL whose
/// command ended acked, priority high, once enough commands have ended (or
/// every other task has, so the load can end).
void maybe_submit_urgent(run_state& r, load_context& l) {
  if (l.urgent_sent || l.urgent_after == 0 || r.ctl.stop)
    return;
  auto others_done = r.col.tasks_done.load() >= static_cast<uint64_t>(l.total_tasks - 1);
  if (r.col.ended() < l.urgent_after && !others_done)
    return;
  std::optional<esl_mac> esl;
  {
    std::lock_guard<std::mutex> g{r.col.mtx};
    esl = r.col.recently_acked;
  }
  if (!esl)
    esl = r.esls.front();
  wire::job_submission job;
  job.job = r.col.urgent_job;
  job.prio = priority::high;
  wire::job_command c;
  c.esl = *esl;
  c.op = wire::op_kind::price;
  c.args.emplace_back("price", "0.99");
  job.commands.push_back(std::move(c));
  l.urgent_sent = true;
  l.driver->submit(std::move(job));
  std::lock_guard<std::mutex> g{l.out_mtx};
  r.out << "  -- urgent job (priority high) for " << esl->to_string() << " after " << r.col.ended()
        << " outcomes\n";
}

/// The events thread: the outage window of gateway.outage-gateways,
/// store.moving-esls ESLs moved every store.move-interval-ms, and the Redis
/// restart of cluster.redis-restart-at-ms.
void play_events(run_state& r, load_context& l) {
  const auto& sc = r.sc;
  auto& emu = *r.emu;
  const auto& gateways = r.eo.gateways;
  std::mt19937_64 rng{static_cast<uint64_t>(sc.seed) * 7919};
  bool outage_on = false, outage_done = sc.outage_gateways == 0 || sc.outage_duration_ms == 0;
  auto next_move = sc.move_interval_ms;
  bool redis_restart_due = sc.redis_restart_at_ms > 0 && r.env.redis;
  bool kill_due = sc.kill_node_at_ms > 0 && sc.kill_node < static_cast<int64_t>(r.env.nodes.size());
  auto silent_b = r.behavior;
  silent_b.silent = true;
  auto outage_set = [&](bool on) {
    for (int64_t g = 0; g < sc.outage_gateways && g < static_cast<int64_t>(gateways.size()); ++g)
      emu.set_behavior(gateways[static_cast<size_t>(g)],
                       on ? silent_b : (g < sc.legacy_gateways ? r.legacy_behavior : r.behavior));
  };
  while (!l.finished) {
    maybe_submit_urgent(r, l);
    auto now = r.load_elapsed_ms();
    if (!outage_done && !outage_on && now >= sc.outage_start_ms) {
      outage_set(true);
      outage_on = true;
      std::lock_guard<std::mutex> g{l.out_mtx};
      r.out << "  -- outage: " << sc.outage_gateways << " gateways silent for "
            << sc.outage_duration_ms << " ms\n";
    }
    if (outage_on && now >= sc.outage_start_ms + sc.outage_duration_ms) {
      outage_set(false);
      outage_on = false;
      outage_done = true;
      std::lock_guard<std::mutex> g{l.out_mtx};
      r.out << "  -- outage over\n";
    }
    if (redis_restart_due && now >= sc.redis_restart_at_ms) {
      redis_restart_due = false;
      r.env.redis->restart(); // no persistence: it comes back empty
      std::lock_guard<std::mutex> g{l.out_mtx};
      r.out << "  -- redis restarted (empty) at " << r.load_elapsed_ms() << " ms\n";
    }
    if (kill_due && now >= sc.kill_node_at_ms) {
      kill_due = false;
      auto i = static_cast<size_t>(sc.kill_node);
      r.env.nodes[i].signal(SIGKILL);
      r.col.kill_us = steady_now_us();
      r.kill_wall_ms = wall_now_ms();
      r.rep.killed_node = r.env.node_names[i];
      std::lock_guard<std::mutex> g{l.out_mtx};
      r.out << "  -- node " << r.rep.killed_node << " killed (kill -9) at " << r.load_elapsed_ms()
            << " ms\n";
    }
    if (r.model && sc.moving_esls > 0 && now >= next_move) {
      next_move += sc.move_interval_ms;
      for (int64_t m = 0; m < sc.moving_esls; ++m) {
        auto i = static_cast<size_t>(rng() % r.model->esls().size());
        std::vector<std::pair<gw_mac, int32_t>> heard;
        esl_mac esl;
        {
          std::lock_guard<std::mutex> g{r.model_mtx};
          heard = r.model->move(i, rng);
          esl = r.model->esls()[i].esl;
        }
        emu.set_hearers(esl, std::move(heard));
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  if (outage_on)
    outage_set(false);
}

/// The progress thread: a line every report.progress-interval-ms.
void print_progress(run_state& r, load_context& l) {
  if (r.sc.progress_interval_ms <= 0)
    return;
  while (!l.finished) {
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds{r.sc.progress_interval_ms};
    while (!l.finished && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    if (l.finished)
      break;
    auto secs = static_cast<double>(r.load_elapsed_ms()) / 1000.0;
    auto ended = r.col.ended();
    char line[256];
    std::snprintf(line, sizeof(line),
                  "  %6.1f s  tasks %llu/%lld  commands ended %llu  %.0f cmds/s  crossed %lld\n",
                  secs, static_cast<unsigned long long>(r.col.tasks_done.load()),
                  static_cast<long long>(l.total_tasks), static_cast<unsigned long long>(ended),
                  static_cast<double>(ended) / std::max(secs, 1e-9),
                  static_cast<long long>(r.delta("replies.crossed")));
    std::lock_guard<std::mutex> g{l.out_mtx};
    r.out << line << std::flush;
  }
}

/// Closed loop: `workers` tasks in flight, each result submits the next
/// task (from paho's thread: whatever `next` uses lives until the load ends).
void submit_closed_loop(run_state& r, load_context& l, task_driver& driver) {
  auto next = [&r, &l]() -> std::optional<wire::job_submission> {
    if (r.ctl.stop)
      return std::nullopt;
    auto t = l.next_task.fetch_add(1);
    if (t >= r.sc.tasks)
      return std::nullopt;
    auto k = l.commands_per_task;
    return make_task(l.id_prefix + std::to_string(t), r.esls, static_cast<size_t>(t) * k, k, t);
  };
  driver.set_next(next);
  for (int64_t w = 0; w < r.sc.workers; ++w)
    if (auto job = next())
      driver.submit(std::move(*job));
}

/// Open loop (producer.rate-tps) and reprice (every ESL of one store, as
/// fast as the driver takes them): submit on a schedule.
void submit_on_schedule(run_state& r, load_context& l, task_driver& driver) {
  const auto& sc = r.sc;
  auto k = l.commands_per_task;
  std::vector<esl_mac> targets = r.esls;
  if (sc.mode == "reprice") {
    targets.clear();
    auto first = static_cast<size_t>(sc.reprice_store * sc.esls);
    for (size_t i = first; i < first + static_cast<size_t>(sc.esls) && i < r.esls.size(); ++i)
      targets.push_back(r.esls[i]);
  }
  auto period_us = sc.mode == "open" ? 1'000'000 / std::max<int64_t>(sc.rate_tps, 1) : 0;
  auto t_start = steady_now_us();
  for (int64_t t = 0; t < total_tasks_of(sc) && !r.ctl.stop; ++t) {
    if (period_us > 0) {
      auto due = t_start + t * period_us;
      while (steady_now_us() < due)
        std::this_thread::sleep_for(std::chrono::microseconds{
            std::min<int64_t>(due - steady_now_us(), 1000)}); // pacing, not synchronisation
      if (r.ctl.stop)
        break;
    }
    auto n =
        sc.mode == "reprice" ? std::min<size_t>(k, targets.size() - static_cast<size_t>(t) * k) : k;
    driver.submit(
        make_task(l.id_prefix + std::to_string(t), targets, static_cast<size_t>(t) * k, n, t));
  }
}

} // namespace

void drive_load(run_state& r) {
  // Receipts only when the producer resubmits without them (a message per job more).
  bool receipts = r.sc.resubmit_after_ms > 0;
  job_client producer{client_opts(r.url, "shelfwire-sim-producer"), "esl/jobs", r.reg, receipts};
  task_driver driver{producer, r.col, r.sc.task_timeout_ms, r.ctl, r.sc.resubmit_after_ms};
  producer.start();
  producer.wait_ready(30s);
  load_context l;
  l.id_prefix = run_id_prefix(r.sc.name);
  l.total_tasks = total_tasks_of(r.sc);
  l.commands_per_task = static_cast<size_t>(r.sc.commands_per_task);
  l.driver = &driver;
  if (r.sc.urgent_at_per_mille > 0) {
    auto commands = r.sc.mode == "reprice" ? r.sc.esls : r.sc.tasks * r.sc.commands_per_task;
    l.urgent_after =
        static_cast<uint64_t>(std::max<int64_t>(1, commands * r.sc.urgent_at_per_mille / 1000));
    r.col.urgent_job = l.id_prefix + "urgent";
    l.total_tasks += 1;
  }
  r.cpu0 = cpu_now(r.env); // the report counts CPU during the load only
  for (auto* c : counted)
    r.base[c] = r.watch->sum(c);
  r.load_start = std::chrono::steady_clock::now();
  r.radio_load_start_us = r.emu->radio_now_us();

  std::thread events{[&] { play_events(r, l); }};
  std::thread progress{[&] { print_progress(r, l); }};
  std::thread upkeep{[&] { driver.run_until(l.total_tasks); }};
  if (r.sc.mode == "closed")
    submit_closed_loop(r, l, driver);
  else
    submit_on_schedule(r, l, driver);
  upkeep.join();
  producer.stop(); // no result callbacks into the driver from here on
  if (r.ctl.stop) {
    r.rep.interrupted = true;
    r.out << "stopped on request after " << r.col.tasks_done.load() << " tasks\n";
  }
  r.rep.tasks_resubmitted = driver.resubmitted();
  l.finished = true;
  progress.join();
  events.join();
  r.rep.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - r.load_start).count();
}

} // namespace shelfwire::sim
