#include "sim/runner/runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "runtime/core/clock.hpp"
#include "runtime/core/json_writer.hpp"
#include "runtime/log/log.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/harness/process.hpp"
#include "sim/harness/servers.hpp"
#include "sim/harness/wait.hpp"
#include "sim/producer/job_client.hpp"
#include "sim/runner/metrics_watch.hpp"
#include "sim/store/store_model.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

namespace {

std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in{s};
  std::string a;
  while (in >> a)
    out.push_back(a);
  return out;
}

mqtt::client_options client_opts(const std::string& url, const std::string& id) {
  mqtt::client_options o;
  o.url = url;
  o.client_id = id;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 1000;
  return o;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// Everything the run started, stopped in reverse order by the destructor.
struct environment {
  std::unique_ptr<mosquitto_server> broker;
  std::unique_ptr<redis_server> redis;
  temp_dir dir;
  std::vector<child_process> nodes;
  std::vector<std::string> node_names;
};

/// Scheduler threads for each of `nodes` node processes on this machine.
int64_t threads_per_node(int64_t nodes) {
  auto cores = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max<int64_t>(1, cores / std::max<int64_t>(nodes, 1));
}

/// CPU seconds used so far by each part of the run.
struct cpu_sample {
  double sim = 0, nodes = 0, broker = 0, redis = 0;
};

cpu_sample cpu_now(const environment& env) {
  cpu_sample c;
  c.sim = self_cpu_seconds();
  for (auto& n : env.nodes)
    c.nodes += cpu_seconds(n.pid());
  if (env.broker)
    c.broker = cpu_seconds(env.broker->pid());
  if (env.redis)
    c.redis = cpu_seconds(env.redis->pid());
  return c;
}

/// The store the emulator plays and the ground truth the report judges by.
store_params params_of(const scenario& sc) {
  store_params p;
  p.stores = static_cast<int>(sc.stores);
  p.gateways_per_store = static_cast<int>(sc.gateways);
  p.esls_per_store = static_cast<int>(sc.esls);
  p.width_m = static_cast<double>(sc.width_m);
  p.depth_m = static_cast<double>(sc.depth_m);
  p.tx_power_dbm = static_cast<double>(sc.tx_power_dbm);
  p.path_loss_exponent = std::stod(sc.path_loss_exponent);
  p.sensitivity_dbm = static_cast<double>(sc.sensitivity_dbm);
  p.max_hearers = static_cast<int>(sc.max_hearers);
  p.seed = static_cast<uint64_t>(sc.seed);
  return p;
}

/// Collects outcomes from every producer thread.
struct collector {
  std::mutex mtx;
  run_report& rep;
  const store_model* model = nullptr; ///< floor model: ground truth (guarded by model_mtx)
  std::mutex* model_mtx = nullptr;
  std::unordered_map<esl_mac, gw_mac> simple_best; ///< simple model: the home gateway
  metrics::histogram backbone;
  metrics::histogram end_to_end;
  std::atomic<uint64_t> tasks_done{0};

  explicit collector(run_report& r)
      : rep(r) {}

  std::optional<gw_mac> best(esl_mac esl) {
    if (model) {
      std::lock_guard<std::mutex> g{*model_mtx};
      return model->best_gateway(esl);
    }
    auto i = simple_best.find(esl);
    return i == simple_best.end() ? std::nullopt : std::optional<gw_mac>{i->second};
  }

  void submitted(size_t commands) {
    std::lock_guard<std::mutex> g{mtx};
    rep.commands += commands;
  }

  void result(const std::optional<wire::job_result>& res, int64_t submitted_us) {
    auto now = steady_now_us();
    std::vector<std::pair<bool, bool>> routes; // (routed, best) per outcome, outside the lock
    if (res && !res->rejected)
      for (auto& o : res->outcomes) {
        if (!o.gw || (o.status != outcome_status::acked && o.status != outcome_status::nacked))
          continue;
        auto b = best(o.esl);
        routes.emplace_back(true, b && *b == *o.gw);
      }
    std::lock_guard<std::mutex> g{mtx};
    rep.tasks++;
    tasks_done++;
    if (!res) {
      rep.tasks_lost++;
      return;
    }
    if (res->rejected) {
      rep.rejected_tasks++;
      return;
    }
    auto e2e = static_cast<uint64_t>(std::max<int64_t>(now - submitted_us, 0));
    for (auto& o : res->outcomes) {
      rep.outcomes[static_cast<size_t>(o.status)]++;
      end_to_end.record(e2e);
      rep.end_to_end_samples_us.push_back(
          static_cast<uint32_t>(std::min<uint64_t>(e2e, UINT32_MAX)));
      if (o.backbone_us) {
        backbone.record(*o.backbone_us);
        rep.backbone_samples_us.push_back(
            static_cast<uint32_t>(std::min<uint64_t>(*o.backbone_us, UINT32_MAX)));
      }
    }
    for (auto& [routed, is_best] : routes) {
      rep.routed += routed;
      rep.best_routed += is_best;
    }
  }

  uint64_t ended() {
    std::lock_guard<std::mutex> g{mtx};
    uint64_t n = 0;
    for (auto v : rep.outcomes)
      n += v;
    return n;
  }
};

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

/// Submits tasks and matches their results. Results arrive on paho's
/// receive thread (job_client::on_result); in the closed loop the worker's
/// next task is submitted right there, so a worker is a task in flight, not
/// a thread. One upkeep thread retries submissions the broker refused and
/// gives up on tasks without a result after the task timeout.
class task_driver {
public:
  task_driver(job_client& producer, collector& col, int64_t task_timeout_ms, const run_control& ctl)
      : producer_(producer)
      , col_(col)
      , timeout_us_(task_timeout_ms * 1000)
      , ctl_(ctl) {
    producer_.on_result([this](wire::job_result&& r) { on_result(std::move(r)); });
  }

  /// Closed loop: what to submit when a task ends (nullopt: nothing left).
  void set_next(std::function<std::optional<wire::job_submission>()> next) {
    next_ = std::move(next);
  }

  /// Submits a new task (counted as submitted once, retried while the broker
  /// link is down).
  void submit(wire::job_submission job) {
    col_.submitted(job.commands.size());
    {
      std::lock_guard<std::mutex> g{mtx_};
      pending_.emplace(job.job, steady_now_us());
      ++submitted_;
    }
    if (!producer_.submit(job)) {
      std::lock_guard<std::mutex> g{mtx_};
      unsent_.push_back(std::move(job));
    }
  }

  /// Retries and times out until `total` tasks have ended; after a stop
  /// request, until those submitted have (after an abort: at once, the
  /// tasks in flight given up).
  void run_until(int64_t total) {
    std::unique_lock<std::mutex> lk{mtx_};
    while (ended_ < (ctl_.stop ? submitted_ : total)) {
      cv_.wait_for(lk, std::chrono::milliseconds{50});
      while (!unsent_.empty()) {
        auto job = std::move(unsent_.front());
        unsent_.pop_front();
        if (pending_.count(job.job) == 0)
          continue; // timed out meanwhile
        lk.unlock();
        bool sent = producer_.submit(job);
        lk.lock();
        if (!sent) {
          unsent_.push_front(std::move(job)); // broker link down: next round
          break;
        }
      }
      auto now = steady_now_us();
      std::vector<std::string> expired;
      for (auto& [job, t0] : pending_)
        if (now - t0 > timeout_us_ || ctl_.abort)
          expired.push_back(job);
      for (auto& job : expired) {
        pending_.erase(job);
        ++ended_;
        lk.unlock();
        col_.result(std::nullopt, 0);
        submit_next();
        lk.lock();
      }
    }
  }

private:
  void on_result(wire::job_result&& r) {
    int64_t t0 = 0;
    bool last = false;
    {
      std::lock_guard<std::mutex> g{mtx_};
      auto i = pending_.find(r.job);
      if (i == pending_.end())
        return; // not ours, or given up on
      t0 = i->second;
      pending_.erase(i);
      ++ended_;
      last = pending_.empty();
    }
    col_.result(std::optional<wire::job_result>{std::move(r)}, t0);
    submit_next();
    if (last)
      cv_.notify_one(); // perhaps the end: let run_until look
  }

  void submit_next() {
    if (!next_ || ctl_.stop)
      return;
    if (auto job = next_())
      submit(std::move(*job));
  }

  job_client& producer_;
  collector& col_;
  int64_t timeout_us_;
  std::function<std::optional<wire::job_submission>()> next_;
  std::mutex mtx_;
  std::condition_variable cv_;
  const run_control& ctl_;
  std::unordered_map<std::string, int64_t> pending_; ///< job -> submitted at
  std::deque<wire::job_submission> unsent_;
  int64_t submitted_ = 0;
  int64_t ended_ = 0; ///< tasks with a result or given up on
};

} // namespace

run_report run_scenario(const scenario& sc, std::ostream& out) {
  run_control ctl;
  return run_scenario(sc, out, ctl);
}

run_report run_scenario(const scenario& sc, std::ostream& out, const run_control& ctl) {
  const std::string& metrics_topic = sc.metrics_topic;
  run_report rep;
  rep.scenario = sc.name;
  rep.mode = sc.mode;
  rep.nodes = sc.nodes;
  rep.external = sc.nodes == 0;
  environment env;
  // Waits that a stop request ends early (the run then stops what it started).
  auto wait_or_stop = [&](auto pred, std::chrono::milliseconds timeout) {
    return wait_until([&] { return ctl.stop.load() || pred(); }, timeout) && !ctl.stop;
  };
  auto interrupted = [&] {
    out << "stop requested before the load began: stopping what the run started\n";
    rep.interrupted = true;
    return rep;
  };

  // 1. Servers.
  std::string url = sc.broker_url;
  if (url.empty()) {
    env.broker = std::make_unique<mosquitto_server>();
    url = env.broker->url();
  }
  std::string redis_host = sc.redis_host;
  int64_t redis_port = sc.redis_port;
  if (redis_host.empty() && !rep.external) {
    env.redis = std::make_unique<redis_server>();
    redis_host = "127.0.0.1";
    redis_port = env.redis->port();
  }
  out << "shelfwire-sim: scenario '" << sc.name << "': ";
  if (rep.external)
    out << "a running cluster";
  else
    out << sc.nodes << " node(s)";
  out << ", " << sc.stores << " store(s) of " << sc.gateways << " gateways and " << sc.esls
      << " ESLs; broker " << url;
  if (!rep.external)
    out << ", redis " << redis_host << ":" << redis_port;
  out << "\n";

  // 2. The bare broker's ceiling, before anything else uses the broker.
  if (sc.ceiling && env.broker) {
    auto rawmq = build_binary("rawmq");
    if (access(rawmq.c_str(), X_OK) == 0) {
      auto in_flight = std::max<int64_t>(1, sc.workers * sc.commands_per_task);
      rep.broker_ceiling = measure_ceiling(rawmq, env.broker->port(), sc.ceiling_requests,
                                           in_flight, env.dir.path());
      char line[200];
      std::snprintf(
          line, sizeof(line),
          "bare broker ceiling at %lld in flight: %.0f req/s (p50 %.2f ms, p99 %.2f ms)\n",
          static_cast<long long>(in_flight), rep.broker_ceiling.rps,
          rep.broker_ceiling.p50_us / 1000, rep.broker_ceiling.p99_us / 1000);
      out << line;
    } else {
      out << "report.ceiling: no raw MQTT client at " << rawmq << " (built from "
          << "../shared/tools/mqtt-ceiling): ceiling not measured\n";
    }
  }

  metrics::registry reg;
  metrics_watch watch{client_opts(url, "shelfwire-sim-watch"), metrics_topic, reg};
  watch.start();

  // 3. Nodes, as processes: the first is the seed of the others.
  auto node_bin = build_binary("shelfwire-node");
  uint16_t seed_port = 0;
  for (int64_t i = 0; i < sc.nodes; ++i) {
    auto name = "sim-node-" + std::to_string(i + 1);
    auto port = free_port();
    std::vector<std::string> argv{node_bin,
                                  "--node.name=" + name,
                                  "--mqtt.url=" + url,
                                  "--redis.host=" + redis_host,
                                  "--redis.port=" + std::to_string(redis_port),
                                  "--metrics.interval-ms=500",
                                  "--metrics.topic=" + metrics_topic,
                                  "--log.level=" + sc.log_level,
                                  "--cluster.port=" + std::to_string(port),
                                  "--cluster.reply-routing=" + sc.reply_routing};
    if (i == 0)
      seed_port = port;
    else
      argv.push_back("--cluster.seeds=127.0.0.1:" + std::to_string(seed_port));
    if (sc.routers > 0)
      argv.push_back("--routers.pool-size=" + std::to_string(sc.routers));
    // Several nodes on this machine share its cores: one scheduler thread
    // per core each would only make them compete (node-args may override).
    if (sc.nodes > 1)
      argv.push_back("--scheduler.threads=" + std::to_string(threads_per_node(sc.nodes)));
    for (auto& a : split_args(sc.node_args))
      argv.push_back(a);
    env.nodes.push_back(child_process::start(argv, env.dir.file(name + ".log")));
    env.node_names.push_back(name);
  }
  auto cluster_formed = [&] {
    if (rep.external) // its nodes' (retained) metrics snapshots
      return watch.nodes() > 0;
    for (auto& n : env.node_names)
      if (watch.value(n, "cluster.members") != sc.nodes)
        return false;
    return true;
  };
  if (!wait_or_stop([&] { return cluster_formed(); }, 60s)) {
    if (ctl.stop)
      return interrupted();
    if (rep.external)
      out << "no shelfwire node publishes metrics on '" << metrics_topic << "' at " << url
          << ": is the cluster running, and is this its broker?\n";
    for (size_t i = 0; i < env.nodes.size(); ++i)
      out << "node " << env.node_names[i] << " did not come up or join:\n"
          << env.nodes[i].log_tail();
    rep.lost = 1;
    return rep;
  }
  if (rep.external) {
    rep.nodes = static_cast<int64_t>(watch.nodes());
    out << "targeting a running cluster: " << rep.nodes << " node(s) publish metrics on '"
        << metrics_topic << "'\n";
  } else {
    out << "cluster of " << sc.nodes << " node(s) formed\n";
  }

  // 4. The store(s): emulated gateways advertise; wait until the table has it all.
  std::unique_ptr<store_model> model;
  std::mutex model_mtx;
  emulator_options eo;
  collector col{rep};
  std::vector<esl_mac> esls;
  if (sc.model == "floor") {
    model = std::make_unique<store_model>(params_of(sc));
    for (auto& g : model->gateways())
      eo.gateways.push_back(g.gw);
    for (auto& e : model->esls())
      eo.esls.push_back({e.esl, e.heard_by});
    col.model = model.get();
    col.model_mtx = &model_mtx;
  } else {
    for (int64_t s = 0; s < sc.stores; ++s) {
      auto one = gateway_emulator::simple_store(
          static_cast<size_t>(sc.gateways), static_cast<size_t>(sc.esls),
          static_cast<size_t>(sc.extra_hearers), static_cast<uint64_t>(sc.seed + s));
      // Distinct MACs per store, as the floor model does.
      for (size_t g = 0; g < one.gateways.size(); ++g)
        eo.gateways.push_back(store_model::gateway_mac(static_cast<int>(s), static_cast<int>(g)));
      for (size_t i = 0; i < one.esls.size(); ++i) {
        emulated_esl e;
        e.esl = store_model::esl_mac_of(static_cast<int>(s), static_cast<int>(i));
        for (auto& [gw, rssi] : one.esls[i].heard_by)
          e.heard_by.emplace_back(
              store_model::gateway_mac(static_cast<int>(s),
                                       static_cast<int>(gw.value() - 0xAA0000000000ull)),
              rssi);
        col.simple_best.emplace(e.esl, e.heard_by.front().first);
        eo.esls.push_back(std::move(e));
      }
    }
  }
  for (auto& e : eo.esls)
    esls.push_back(e.esl);
  eo.mqtt = client_opts(url, "shelfwire-sim-gateways");
  eo.record_observations = false;
  eo.seed = static_cast<uint64_t>(sc.seed);
  eo.rssi_noise_db = static_cast<double>(sc.rssi_noise_db);
  gateway_emulator emu{eo, reg};
  gateway_behavior b;
  b.reply_delay_ms = static_cast<uint32_t>(sc.reply_delay_ms);
  b.reply_jitter_ms = static_cast<uint32_t>(sc.reply_jitter_ms);
  b.nack_rate = static_cast<double>(sc.nack_per_mille) / 1000.0;
  b.nack_code = static_cast<uint32_t>(sc.nack_code);
  b.no_reply_rate = static_cast<double>(sc.no_reply_per_mille) / 1000.0;
  b.duplicate_rate = static_cast<double>(sc.duplicate_per_mille) / 1000.0;
  b.late_rate = static_cast<double>(sc.late_per_mille) / 1000.0;
  b.late_extra_ms = static_cast<uint32_t>(sc.late_extra_ms);
  b.legacy = sc.legacy;
  emu.set_behavior_all(b);
  auto per_store = static_cast<size_t>(sc.gateways);
  auto legacy_b = b;
  legacy_b.legacy = true;
  for (size_t g = 0; g < eo.gateways.size(); ++g)
    if (static_cast<int64_t>(g % per_store) < sc.legacy_gateways)
      emu.set_behavior(eo.gateways[g], legacy_b);
  emu.start();
  emu.wait_ready(30s);
  auto applied0 = watch.sum("status.adverts_applied");
  auto adverts = emu.advertise_all();
  if (sc.status_interval_ms > 0)
    emu.advertise_every(std::chrono::milliseconds{sc.status_interval_ms});
  auto converge_start = steady_now_us();
  if (!wait_or_stop(
          [&] {
            return watch.sum("status.adverts_applied") - applied0 >= static_cast<int64_t>(adverts);
          },
          120s)) {
    if (ctl.stop) {
      emu.stop();
      return interrupted();
    }
    out << "the routing table did not converge: " << watch.sum("status.adverts_applied") - applied0
        << "/" << adverts << " adverts\n";
    rep.lost = 1;
    return rep;
  }
  out << "routing table converged from the gateways' status traffic: " << adverts << " adverts in "
      << (steady_now_us() - converge_start) / 1000 << " ms\n";

  // 5. The producer.
  job_client producer{client_opts(url, "shelfwire-sim-producer"), "esl/jobs", reg};
  task_driver driver{producer, col, sc.task_timeout_ms, ctl};
  producer.start();
  producer.wait_ready(30s);
  auto k = static_cast<size_t>(sc.commands_per_task);
  std::atomic<bool> finished{false};
  auto cpu0 = cpu_now(env); // the report counts CPU during the load only
  // The nodes' counters as deltas over the load (a running cluster's include
  // what it did before).
  static const char* const counted[] = {
      "outcomes.acked",    "outcomes.nacked",     "outcomes.timed_out", "outcomes.unroutable",
      "outcomes.failed",   "outcomes.superseded", "replies.duplicate",  "replies.late",
      "replies.malformed", "status.malformed",    "replies.received",   "replies.crossed"};
  std::map<std::string, int64_t> base;
  for (auto* c : counted)
    base[c] = watch.sum(c);
  auto delta = [&](const char* name) { return watch.sum(name) - base[name]; };
  auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  };

  std::mutex out_mtx; // the events and progress threads both print
  // Events while the load runs: the outage window, moving ESLs.
  std::thread events{[&] {
    std::mt19937_64 rng{static_cast<uint64_t>(sc.seed) * 7919};
    bool outage_on = false, outage_done = sc.outage_gateways == 0 || sc.outage_duration_ms == 0;
    auto next_move = sc.move_interval_ms;
    auto silent_b = b;
    silent_b.silent = true;
    auto outage_set = [&](bool on) {
      for (int64_t g = 0; g < sc.outage_gateways && g < static_cast<int64_t>(eo.gateways.size());
           ++g)
        emu.set_behavior(eo.gateways[static_cast<size_t>(g)],
                         on ? silent_b : (g < sc.legacy_gateways ? legacy_b : b));
    };
    while (!finished) {
      auto now = elapsed_ms();
      if (!outage_done && !outage_on && now >= sc.outage_start_ms) {
        outage_set(true);
        outage_on = true;
        std::lock_guard<std::mutex> g{out_mtx};
        out << "  -- outage: " << sc.outage_gateways << " gateways silent for "
            << sc.outage_duration_ms << " ms\n";
      }
      if (outage_on && now >= sc.outage_start_ms + sc.outage_duration_ms) {
        outage_set(false);
        outage_on = false;
        outage_done = true;
        std::lock_guard<std::mutex> g{out_mtx};
        out << "  -- outage over\n";
      }
      if (model && sc.moving_esls > 0 && now >= next_move) {
        next_move += sc.move_interval_ms;
        for (int64_t m = 0; m < sc.moving_esls; ++m) {
          auto i = static_cast<size_t>(rng() % model->esls().size());
          std::vector<std::pair<gw_mac, int32_t>> heard;
          esl_mac esl;
          {
            std::lock_guard<std::mutex> g{model_mtx};
            heard = model->move(i, rng);
            esl = model->esls()[i].esl;
          }
          emu.set_hearers(esl, std::move(heard));
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    if (outage_on)
      outage_set(false);
  }};

  // Progress while the load runs.
  int64_t total_tasks = sc.tasks;
  if (sc.mode == "reprice")
    total_tasks = (sc.esls + sc.commands_per_task - 1) / sc.commands_per_task;
  std::thread progress{[&] {
    if (sc.progress_interval_ms <= 0)
      return;
    while (!finished) {
      auto until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds{sc.progress_interval_ms};
      while (!finished && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
      if (finished)
        break;
      auto secs = static_cast<double>(elapsed_ms()) / 1000.0;
      auto ended = col.ended();
      char line[256];
      std::snprintf(line, sizeof(line),
                    "  %6.1f s  tasks %llu/%lld  commands ended %llu  %.0f cmds/s  crossed %lld\n",
                    secs, static_cast<unsigned long long>(col.tasks_done.load()),
                    static_cast<long long>(total_tasks), static_cast<unsigned long long>(ended),
                    static_cast<double>(ended) / std::max(secs, 1e-9),
                    static_cast<long long>(delta("replies.crossed")));
      std::lock_guard<std::mutex> g{out_mtx};
      out << line << std::flush;
    }
  }};

  std::thread upkeep{[&] { driver.run_until(total_tasks); }};
  // Closed loop: `workers` tasks in flight, each result submits the next
  // task (from paho's thread: whatever `next` uses lives until the end).
  std::atomic<int64_t> next_task{0};
  auto next = [&]() -> std::optional<wire::job_submission> {
    if (ctl.stop)
      return std::nullopt;
    auto t = next_task.fetch_add(1);
    if (t >= sc.tasks)
      return std::nullopt;
    return make_task(sc.name + "-" + std::to_string(t), esls, static_cast<size_t>(t) * k, k, t);
  };
  if (sc.mode == "closed") {
    driver.set_next(next);
    for (int64_t w = 0; w < sc.workers; ++w)
      if (auto job = next())
        driver.submit(std::move(*job));
  } else {
    // Open loop and reprice: submit on a schedule.
    std::vector<esl_mac> targets = esls;
    if (sc.mode == "reprice") {
      targets.clear();
      auto first = static_cast<size_t>(sc.reprice_store * sc.esls);
      for (size_t i = first; i < first + static_cast<size_t>(sc.esls) && i < esls.size(); ++i)
        targets.push_back(esls[i]);
    }
    auto period_us = sc.mode == "open" ? 1'000'000 / std::max<int64_t>(sc.rate_tps, 1) : 0;
    auto t_start = steady_now_us();
    for (int64_t t = 0; t < total_tasks && !ctl.stop; ++t) {
      if (period_us > 0) {
        auto due = t_start + t * period_us;
        while (steady_now_us() < due)
          std::this_thread::sleep_for(std::chrono::microseconds{
              std::min<int64_t>(due - steady_now_us(), 1000)}); // pacing, not synchronisation
        if (ctl.stop)
          break;
      }
      auto n = sc.mode == "reprice"
                   ? std::min<size_t>(k, targets.size() - static_cast<size_t>(t) * k)
                   : k;
      driver.submit(
          make_task(sc.name + "-" + std::to_string(t), targets, static_cast<size_t>(t) * k, n, t));
    }
  }
  upkeep.join();
  producer.stop(); // no result callbacks into the driver from here on
  if (ctl.stop) {
    rep.interrupted = true;
    out << "stopped on request after " << col.tasks_done.load() << " tasks\n";
  }
  finished = true;
  progress.join();
  events.join();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto ended = col.ended();
  rep.lost = rep.commands - ended;
  rep.throughput_cps = static_cast<double>(ended) / rep.seconds;
  rep.backbone_us = col.backbone.snapshot();
  rep.end_to_end_us = col.end_to_end.snapshot();
  rep.best_route_ratio =
      rep.routed ? static_cast<double>(rep.best_routed) / static_cast<double>(rep.routed) : 0;
  auto cpu1 = cpu_now(env);
  rep.cpu_sim_s = cpu1.sim - cpu0.sim;
  rep.cpu_nodes_s = cpu1.nodes - cpu0.nodes;
  rep.cpu_broker_s = cpu1.broker - cpu0.broker;
  rep.cpu_redis_s = cpu1.redis - cpu0.redis;
  // The nodes' counters: wait for snapshots taken after the last outcome.
  // (A running cluster publishes them every metrics.interval-ms, 10 s by default.)
  auto ended_at_nodes = [&] {
    int64_t n = 0;
    for (auto* o : {"outcomes.acked", "outcomes.nacked", "outcomes.timed_out",
                    "outcomes.unroutable", "outcomes.failed", "outcomes.superseded"})
      n += delta(o);
    return n;
  };
  wait_until([&] { return ctl.abort || ended_at_nodes() >= static_cast<int64_t>(ended); },
             rep.external ? 25s : 5s);
  rep.duplicates_dropped = delta("replies.duplicate") + delta("replies.late");
  rep.malformed = delta("replies.malformed") + delta("status.malformed");
  rep.replies_received = delta("replies.received");
  rep.cross_node_replies = delta("replies.crossed");

  // 6. Stop what we started: nodes first (they drain), then the rest.
  emu.stop();
  producer.stop();
  for (size_t i = 0; i < env.nodes.size(); ++i) {
    auto st = env.nodes[i].stop(std::chrono::seconds{15});
    if (st != 0) {
      rep.nodes_failed_to_stop++;
      out << "node " << env.node_names[i] << " exited " << st << ":\n"
          << env.nodes[i].log_tail(2000);
    }
  }
  return rep;
}

void print_summary(const run_report& r, std::ostream& out) {
  auto ms = [](uint64_t us) { return static_cast<double>(us) / 1000.0; };
  char buf[512];
  out << "\n== " << r.scenario << " (" << r.mode << " loop, " << r.nodes << " node(s)) ==\n";
  std::snprintf(buf, sizeof(buf),
                "tasks %llu (lost %llu, rejected %llu), commands %llu in %.2f s = %.0f cmds/s\n",
                static_cast<unsigned long long>(r.tasks),
                static_cast<unsigned long long>(r.tasks_lost),
                static_cast<unsigned long long>(r.rejected_tasks),
                static_cast<unsigned long long>(r.commands), r.seconds, r.throughput_cps);
  out << buf;
  std::snprintf(buf, sizeof(buf),
                "acked %llu  nacked %llu  timed_out %llu  unroutable %llu  failed %llu  "
                "superseded %llu  LOST %llu\n",
                static_cast<unsigned long long>(r.outcomes[0]),
                static_cast<unsigned long long>(r.outcomes[1]),
                static_cast<unsigned long long>(r.outcomes[2]),
                static_cast<unsigned long long>(r.outcomes[3]),
                static_cast<unsigned long long>(r.outcomes[4]),
                static_cast<unsigned long long>(r.outcomes[5]),
                static_cast<unsigned long long>(r.lost));
  out << buf;
  out << "latency (ms)          mean      p50      p90      p99      max\n";
  auto row = [&](const char* name, const metrics::histogram_snapshot& h) {
    std::snprintf(buf, sizeof(buf), "%-18s %8.2f %8.2f %8.2f %8.2f %8.2f\n", name,
                  h.mean() / 1000.0, ms(h.percentile(0.5)), ms(h.percentile(0.9)),
                  ms(h.percentile(0.99)), ms(h.max));
    out << buf;
  };
  row("backbone", r.backbone_us);
  row("end to end", r.end_to_end_us);
  std::snprintf(buf, sizeof(buf),
                "replies %lld, crossed nodes %lld (%.1f %%); best route %.1f %% of %llu routed; "
                "duplicates/late dropped %lld; malformed %lld\n",
                static_cast<long long>(r.replies_received),
                static_cast<long long>(r.cross_node_replies),
                r.replies_received ? 100.0 * static_cast<double>(r.cross_node_replies) /
                                         static_cast<double>(r.replies_received)
                                   : 0.0,
                100.0 * r.best_route_ratio, static_cast<unsigned long long>(r.routed),
                static_cast<long long>(r.duplicates_dropped), static_cast<long long>(r.malformed));
  out << buf;
  if (r.broker_ceiling.ok) {
    std::snprintf(buf, sizeof(buf), "bare broker ceiling %.0f req/s: throughput = %.1f %% of it\n",
                  r.broker_ceiling.rps, 100.0 * r.throughput_cps / r.broker_ceiling.rps);
    out << buf;
  }
  if (r.external) {
    std::snprintf(buf, sizeof(buf),
                  "CPU seconds during the load: simulator %.2f (the running cluster's processes "
                  "are not measured)\n",
                  r.cpu_sim_s);
    out << buf;
    return;
  }
  auto total = r.cpu_sim_s + r.cpu_nodes_s + r.cpu_broker_s + r.cpu_redis_s;
  std::snprintf(buf, sizeof(buf),
                "CPU seconds during the load: simulator %.2f (%.0f %%), nodes %.2f, broker %.2f, "
                "redis %.2f (%.2f cores busy on average)\n",
                r.cpu_sim_s, total > 0 ? 100.0 * r.cpu_sim_s / total : 0.0, r.cpu_nodes_s,
                r.cpu_broker_s, r.cpu_redis_s, r.seconds > 0 ? total / r.seconds : 0.0);
  out << buf;
}

std::string report_json(const run_report& r) {
  json_writer w;
  auto lat = [&](const char* key, const metrics::histogram_snapshot& h) {
    w.key(key).begin_object();
    w.field("mean", h.mean() / 1000.0);
    w.field("p50", static_cast<double>(h.percentile(0.5)) / 1000.0);
    w.field("p90", static_cast<double>(h.percentile(0.9)) / 1000.0);
    w.field("p99", static_cast<double>(h.percentile(0.99)) / 1000.0);
    w.field("max", static_cast<double>(h.max) / 1000.0);
    w.field("count", h.count);
    w.end_object();
  };
  w.begin_object();
  w.field("scenario", r.scenario);
  w.field("mode", r.mode);
  w.field("nodes", r.nodes);
  w.field("external_cluster", r.external);
  w.field("interrupted", r.interrupted);
  w.field("tasks", r.tasks);
  w.field("tasks_lost", r.tasks_lost);
  w.field("rejected_tasks", r.rejected_tasks);
  w.field("commands", r.commands);
  static const char* names[] = {"acked",      "nacked", "timed_out",
                                "unroutable", "failed", "superseded"};
  for (size_t i = 0; i < 6; ++i)
    w.field(names[i], r.outcomes[i]);
  w.field("lost", r.lost);
  w.field("duplicates_dropped", r.duplicates_dropped);
  w.field("malformed", r.malformed);
  w.field("replies", r.replies_received);
  w.field("cross_node_replies", r.cross_node_replies);
  w.field("best_route_ratio", r.best_route_ratio);
  w.field("seconds", r.seconds);
  w.field("throughput_cps", r.throughput_cps);
  w.key("latency_ms").begin_object();
  lat("backbone", r.backbone_us);
  lat("end_to_end", r.end_to_end_us);
  w.end_object();
  w.key("ceiling").begin_object();
  w.field("measured", r.broker_ceiling.ok);
  w.field("rps", r.broker_ceiling.rps);
  w.field("throughput_ratio", r.broker_ceiling.ok ? r.throughput_cps / r.broker_ceiling.rps : 0.0);
  w.end_object();
  auto total = r.cpu_sim_s + r.cpu_nodes_s + r.cpu_broker_s + r.cpu_redis_s;
  w.key("cpu_s").begin_object();
  w.field("simulator", r.cpu_sim_s);
  w.field("nodes", r.cpu_nodes_s);
  w.field("broker", r.cpu_broker_s);
  w.field("redis", r.cpu_redis_s);
  w.field("simulator_share", total > 0 ? r.cpu_sim_s / total : 0.0);
  w.field("cores_busy", r.seconds > 0 ? total / r.seconds : 0.0);
  w.end_object();
  w.key("plots").begin_array();
  for (auto& p : r.plots)
    w.value(p);
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace shelfwire::sim
