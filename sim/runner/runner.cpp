#include "sim/runner/runner.hpp"

#include <atomic>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime/core/clock.hpp"
#include "runtime/core/json_writer.hpp"
#include "runtime/log/log.hpp"
#include "runtime/metrics/histogram.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/harness/process.hpp"
#include "sim/harness/servers.hpp"
#include "sim/harness/wait.hpp"
#include "sim/producer/job_client.hpp"
#include "sim/runner/metrics_watch.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

namespace {

const std::string metrics_topic = "shelfwire/metrics";

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

/// Everything the run started, stopped in reverse order by the destructor.
struct environment {
  std::unique_ptr<mosquitto_server> broker;
  std::unique_ptr<redis_server> redis;
  temp_dir dir;
  std::vector<child_process> nodes;
  std::vector<std::string> node_names;
};

} // namespace

run_report run_scenario(const scenario& sc, std::ostream& out) {
  run_report rep;
  rep.scenario = sc.name;
  auto lg = log::get("sim");
  environment env;

  // 1. Servers.
  std::string url = sc.broker_url;
  if (url.empty()) {
    env.broker = std::make_unique<mosquitto_server>();
    url = env.broker->url();
  }
  std::string redis_host = sc.redis_host;
  int64_t redis_port = sc.redis_port;
  if (redis_host.empty()) {
    env.redis = std::make_unique<redis_server>();
    redis_host = "127.0.0.1";
    redis_port = env.redis->port();
  }
  out << "shelfwire-sim: scenario '" << sc.name << "': " << sc.nodes << " node(s), " << sc.gateways
      << " gateways, " << sc.esls << " ESLs; broker " << url << ", redis " << redis_host << ":"
      << redis_port << "\n";

  metrics::registry reg;
  metrics_watch watch{client_opts(url, "shelfwire-sim-watch"), metrics_topic, reg};
  watch.start();

  // 2. Nodes, as processes.
  auto node_bin = build_binary("shelfwire-node");
  for (int64_t i = 0; i < sc.nodes; ++i) {
    auto name = "sim-node-" + std::to_string(i + 1);
    std::vector<std::string> argv{node_bin,
                                  "--node.name=" + name,
                                  "--mqtt.url=" + url,
                                  "--redis.host=" + redis_host,
                                  "--redis.port=" + std::to_string(redis_port),
                                  "--metrics.interval-ms=500",
                                  "--metrics.topic=" + metrics_topic,
                                  "--log.level=" + sc.log_level};
    for (auto& a : split_args(sc.node_args))
      argv.push_back(a);
    env.nodes.push_back(child_process::start(argv, env.dir.file(name + ".log")));
    env.node_names.push_back(name);
  }
  auto nodes_up = [&] {
    for (auto& n : env.node_names)
      if (watch.snapshot(n).empty())
        return false;
    return true;
  };
  if (!wait_until([&] { return nodes_up(); }, 30s)) {
    for (size_t i = 0; i < env.nodes.size(); ++i)
      out << "node " << env.node_names[i] << " did not come up:\n" << env.nodes[i].log_tail();
    rep.lost = 1;
    return rep;
  }

  // 3. The store: emulated gateways advertise; wait until the table has it all.
  auto store = gateway_emulator::simple_store(
      static_cast<size_t>(sc.gateways), static_cast<size_t>(sc.esls),
      static_cast<size_t>(sc.extra_hearers), static_cast<uint64_t>(sc.seed));
  store.mqtt = client_opts(url, "shelfwire-sim-gateways");
  store.record_observations = false;
  gateway_emulator emu{store, reg};
  gateway_behavior b;
  b.reply_delay_ms = static_cast<uint32_t>(sc.reply_delay_ms);
  b.reply_jitter_ms = static_cast<uint32_t>(sc.reply_jitter_ms);
  b.nack_rate = static_cast<double>(sc.nack_per_mille) / 1000.0;
  b.nack_code = static_cast<uint32_t>(sc.nack_code);
  b.no_reply_rate = static_cast<double>(sc.no_reply_per_mille) / 1000.0;
  b.duplicate_rate = static_cast<double>(sc.duplicate_per_mille) / 1000.0;
  b.legacy = sc.legacy;
  emu.set_behavior_all(b);
  emu.start();
  emu.wait_ready(30s);
  auto applied0 = watch.sum("status.adverts_applied");
  auto adverts = emu.advertise_all();
  if (sc.status_interval_ms > 0)
    emu.advertise_every(std::chrono::milliseconds{sc.status_interval_ms});
  if (!wait_until(
          [&] {
            return watch.sum("status.adverts_applied") - applied0 >= static_cast<int64_t>(adverts);
          },
          60s)) {
    out << "the routing table did not converge: " << watch.sum("status.adverts_applied") - applied0
        << "/" << adverts << " adverts\n";
    rep.lost = 1;
    return rep;
  }
  out << "routing table ready: " << adverts << " adverts\n";

  // 4. The producer: closed loop, `workers` tasks in flight.
  job_client producer{client_opts(url, "shelfwire-sim-producer"), "esl/jobs", reg};
  producer.start();
  producer.wait_ready(30s);
  std::vector<esl_mac> esls;
  for (auto& e : store.esls)
    esls.push_back(e.esl);
  std::atomic<int64_t> next_task{0};
  std::atomic<uint64_t> tasks_done{0};
  std::mutex mtx;
  metrics::histogram task_latency;
  metrics::histogram command_latency;
  auto k = static_cast<size_t>(sc.commands_per_task);
  auto worker = [&] {
    for (;;) {
      auto t = next_task.fetch_add(1);
      if (t >= sc.tasks)
        return;
      wire::job_submission job;
      job.job = sc.name + "-" + std::to_string(t);
      for (size_t j = 0; j < k; ++j) {
        wire::job_command c;
        c.esl = esls[(static_cast<size_t>(t) * k + j) % esls.size()];
        c.op = wire::op_kind::price;
        c.args.emplace_back("price", std::to_string(100 + t % 900) + ".99");
        job.commands.push_back(std::move(c));
      }
      auto t0 = steady_now_us();
      bool sent = false;
      for (int attempt = 0; attempt < 100 && !(sent = producer.submit(job)); ++attempt)
        std::this_thread::sleep_for(50ms); // broker link down: retry the submission
      auto res = sent ? producer.wait_result(job.job, std::chrono::milliseconds{sc.task_timeout_ms})
                      : std::nullopt;
      std::lock_guard<std::mutex> g{mtx};
      rep.tasks++;
      rep.commands += k;
      if (!res) {
        rep.tasks_lost++;
      } else if (res->rejected) {
        rep.rejected_tasks++;
      } else {
        task_latency.record(static_cast<uint64_t>(steady_now_us() - t0));
        for (auto& o : res->outcomes) {
          rep.outcomes[static_cast<size_t>(o.status)]++;
          command_latency.record(o.latency_us);
        }
      }
      tasks_done++;
    }
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int64_t w = 0; w < sc.workers; ++w)
    workers.emplace_back(worker);
  // Progress while the workers run.
  std::atomic<bool> finished{false};
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
      auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard<std::mutex> g{mtx};
      uint64_t ended = 0;
      for (auto v : rep.outcomes)
        ended += v;
      char line[256];
      std::snprintf(line, sizeof(line),
                    "  %6.1f s  tasks %llu/%lld  commands ended %llu  acked %llu  %.0f cmds/s\n",
                    secs, static_cast<unsigned long long>(tasks_done.load()),
                    static_cast<long long>(sc.tasks), static_cast<unsigned long long>(ended),
                    static_cast<unsigned long long>(rep.outcomes[0]),
                    static_cast<double>(ended) / std::max(secs, 1e-9));
      out << line << std::flush;
    }
  }};
  for (auto& w : workers)
    w.join();
  finished = true;
  progress.join();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t ended = 0;
  for (auto v : rep.outcomes)
    ended += v;
  rep.lost = rep.commands - ended;
  rep.throughput_cps = static_cast<double>(ended) / rep.seconds;
  rep.task_latency_us = task_latency.snapshot();
  rep.command_latency_us = command_latency.snapshot();
  // Let the nodes publish one more snapshot for the counters.
  std::this_thread::sleep_for(600ms); // two metrics intervals: a report detail, not a sync point
  rep.duplicates_dropped = watch.sum("replies.duplicate") + watch.sum("replies.late");
  rep.malformed = watch.sum("replies.malformed") + watch.sum("status.malformed");

  // 5. Stop what we started: nodes first (they drain), then the rest.
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
  out << "\n== " << r.scenario << " ==\n";
  std::snprintf(buf, sizeof(buf),
                "tasks %llu (lost %llu, rejected %llu), commands %llu in %.1f s = %.0f cmds/s\n",
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
  row("task round trip", r.task_latency_us);
  row("command (node)", r.command_latency_us);
  std::snprintf(buf, sizeof(buf), "duplicates/late replies dropped %lld, malformed %lld\n",
                static_cast<long long>(r.duplicates_dropped), static_cast<long long>(r.malformed));
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
    w.end_object();
  };
  w.begin_object();
  w.field("scenario", r.scenario);
  w.field("tasks", r.tasks);
  w.field("tasks_lost", r.tasks_lost);
  w.field("commands", r.commands);
  static const char* names[] = {"acked",      "nacked", "timed_out",
                                "unroutable", "failed", "superseded"};
  for (size_t i = 0; i < 6; ++i)
    w.field(names[i], r.outcomes[i]);
  w.field("lost", r.lost);
  w.field("duplicates_dropped", r.duplicates_dropped);
  w.field("malformed", r.malformed);
  w.field("seconds", r.seconds);
  w.field("throughput_cps", r.throughput_cps);
  w.key("latency_ms").begin_object();
  lat("task", r.task_latency_us);
  lat("end_to_end", r.command_latency_us);
  w.end_object();
  w.end_object();
  return w.take();
}

} // namespace shelfwire::sim
