// shelfwire-bench: one node's command throughput and latency, next to the
// bare broker's request/reply ceiling measured in the same run.
//
//   shelfwire-bench [--bench.commands=N] [--bench.in-flight="[1,10,50]"] ...
//
// What it does, in one run, on one broker:
//  1. starts mosquitto and redis-server on free loopback ports;
//  2. measures the broker's ceiling with the raw MQTT client from
//     ../shared/tools/mqtt-ceiling (rawmq: request/reply at QoS 1, no client
//     library in the way) at 1 and at each in-flight level;
//  3. starts the gateway emulator as its own process (instant answers) and
//     an in-process node; waits until the RSSI table has every advert;
//  4. drives N commands at C in flight straight into the node (node::submit:
//     supervisor -> command actor -> router -> Redis lookup -> MQTT action ->
//     gateway -> MQTT response -> command actor -> outcome), closed loop;
//  5. prints throughput, latency p50/p90/p99 and the ratios to the ceiling,
//     plus CPU seconds of broker, node and emulator.
//
// With --bench.cluster-nodes=N (N > 1) the in-process node is joined by N-1
// shelfwire-node processes: commands spread over the members by ESL
// ownership, replies land on any member, and the run also prints the
// latency of one CAF hop under load (`cluster.hop_us`: a reply forwarded by
// another member's ingress -> this node's supervisor).
//
// With --bench.mqtt-tls=both the whole run is done twice, on fresh servers:
// plain MQTT first, then every MQTT link (node, other members, emulator) over
// TLS (ssl://, certificates from scripts/make-test-certs.sh): the cost of TLS,
// measured in the same run. The ceiling is the plain one in both (rawmq
// speaks no TLS).

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "actors/node/node.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/metrics/histogram.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/harness/ceiling.hpp"
#include "sim/harness/http_get.hpp"
#include "sim/harness/process.hpp"
#include "sim/harness/servers.hpp"
#include "sim/harness/thread_stats.hpp"
#include "sim/harness/wait.hpp"

using namespace shelfwire;
using namespace std::chrono_literals;

namespace {

struct bench_options {
  int64_t commands = 20'000;
  std::vector<int64_t> in_flight = {1, 10, 50};
  int64_t warmup = 2'000;
  int64_t ceiling_requests = 50'000;
  int64_t gateways = 100;
  int64_t esls = 10'000;
  int64_t routers = 0; ///< the node's default (half the cores)
  int64_t supervisors = 2;
  int64_t scheduler_threads = 0; ///< the node's default (half the cores)
  int64_t cluster_nodes = 1;
  std::string rawmq; ///< empty: next to this binary
  std::string scheduler_policy = "sharing";
  std::string log_level = "warn";
  std::string mqtt_tls = "off";
  std::string exporter = "off";
  int64_t scrape_interval_ms = 1'000;
};

const config::schema<bench_options>& bench_schema() {
  static const auto s = [] {
    config::schema<bench_options> s{"shelfwire-bench",
                                    "One node's throughput and latency next to the bare broker's "
                                    "request/reply ceiling, measured in one run."};
    s.add_section("bench", "What to measure.");
    s.integer(
        "bench.commands", [](auto& o) -> auto& { return o.commands; }, 1, 10'000'000,
        "Commands measured per in-flight level.");
    s.integer_list(
        "bench.in-flight", [](auto& o) -> auto& { return o.in_flight; }, 1, 100'000,
        "In-flight levels (closed loop), each measured in turn.");
    s.integer(
        "bench.warmup", [](auto& o) -> auto& { return o.warmup; }, 0, 1'000'000,
        "Commands run before measuring each level.");
    s.integer(
        "bench.ceiling-requests", [](auto& o) -> auto& { return o.ceiling_requests; }, 0,
        10'000'000, "Requests of the raw ceiling run per level; 0 skips the ceiling.");
    s.integer(
        "bench.cluster-nodes", [](auto& o) -> auto& { return o.cluster_nodes; }, 1, 16,
        "Members of the cluster under test: the in-process node plus N-1 node processes.");
    s.string(
        "bench.rawmq", [](auto& o) -> auto& { return o.rawmq; },
        "Path of the raw MQTT client; empty = next to this binary.");
    s.enumeration(
        "bench.mqtt-tls", [](auto& o) -> auto& { return o.mqtt_tls; }, {"off", "on", "both"},
        "MQTT links over TLS: off (tcp://), on (ssl:// for the node, members and emulator), "
        "both (plain, then TLS, on fresh servers in the same run).");
    s.enumeration(
        "bench.exporter", [](auto& o) -> auto& { return o.exporter; }, {"off", "on", "both"},
        "The node's HTTP endpoint (metrics.listen): off, on (and /metrics read every "
        "bench.scrape-interval-ms while measuring), both (off, then on, on fresh servers in "
        "the same run: the exporter's cost).");
    s.integer(
        "bench.scrape-interval-ms", [](auto& o) -> auto& { return o.scrape_interval_ms; }, 10,
        3'600'000,
        "With the exporter on: how often /metrics is read (Prometheus' default is 15 s).");
    s.add_section("store", "The emulated store.");
    s.integer(
        "store.gateways", [](auto& o) -> auto& { return o.gateways; }, 1, 4096, "Gateways.");
    s.integer(
        "store.esls", [](auto& o) -> auto& { return o.esls; }, 1, 1'000'000, "ESLs.");
    s.add_section("node", "The node under test.");
    s.integer(
        "node.routers", [](auto& o) -> auto& { return o.routers; }, 0, 256,
        "routers.pool-size (0: the node's default, half the cores).");
    s.integer(
        "node.supervisors", [](auto& o) -> auto& { return o.supervisors; }, 1, 256,
        "commands.supervisors.");
    s.integer(
        "node.scheduler-threads", [](auto& o) -> auto& { return o.scheduler_threads; }, 0, 256,
        "scheduler.threads.");
    s.enumeration(
        "node.scheduler-policy", [](auto& o) -> auto& { return o.scheduler_policy; },
        {"stealing", "sharing"}, "scheduler.policy.");
    s.add_section("log", "Logging.");
    s.enumeration(
        "log.level", [](auto& o) -> auto& { return o.log_level; },
        {"trace", "debug", "info", "warn", "error", "critical", "off"}, "Log level.");
    return s;
  }();
  return s;
}

struct run_result {
  double seconds = 0;
  double cps = 0;
  metrics::histogram_snapshot latency;  ///< submit -> outcome, as the caller sees it
  metrics::histogram_snapshot backbone; ///< first dispatch -> reply (thesis' metric)
  uint64_t not_acked = 0;
  uint64_t retried = 0; ///< commands that needed more than one attempt
};

/// Closed loop: keeps `in_flight` commands going until `total` have ended.
run_result drive(node& n, const std::vector<esl_mac>& esls, int64_t total, int64_t in_flight) {
  struct shared {
    std::atomic<int64_t> issued{0};
    std::atomic<int64_t> ended{0};
    std::atomic<uint64_t> not_acked{0};
    std::atomic<uint64_t> retried{0};
    metrics::histogram latency;
    metrics::histogram backbone;
    std::mutex mtx;
    std::condition_variable cv;
    std::function<void()> issue;
  };
  auto sh = std::make_shared<shared>();
  // Everything the callbacks touch lives in `sh`, which they co-own: the
  // last callback may still run after drive() has returned.
  sh->issue = [&n, &esls, total, weak = std::weak_ptr<shared>(sh)] {
    auto sh = weak.lock();
    if (!sh)
      return;
    auto i = sh->issued.fetch_add(1);
    if (i >= total)
      return;
    wire::job_command c;
    c.esl = esls[static_cast<size_t>(i) % esls.size()];
    c.op = wire::op_kind::price;
    c.args.emplace_back("price", "9.99");
    auto t0 = steady_now_us();
    n.submit(c, [sh, t0, total](const local_outcome& o) {
      sh->latency.record(static_cast<uint64_t>(steady_now_us() - t0));
      if (o.backbone_us >= 0)
        sh->backbone.record(static_cast<uint64_t>(o.backbone_us));
      if (o.status != outcome_status::acked)
        sh->not_acked.fetch_add(1);
      if (o.attempts > 1)
        sh->retried.fetch_add(1);
      sh->issue(); // next command first, then count this one as ended
      if (sh->ended.fetch_add(1) + 1 == total) {
        std::lock_guard<std::mutex> g{sh->mtx};
        sh->cv.notify_all();
      }
    });
  };
  auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < in_flight; ++k)
    sh->issue();
  {
    std::unique_lock<std::mutex> lk{sh->mtx};
    sh->cv.wait(lk, [&] { return sh->ended.load() >= total; });
  }
  run_result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cps = static_cast<double>(total) / r.seconds;
  r.latency = sh->latency.snapshot();
  r.backbone = sh->backbone.snapshot();
  r.not_acked = sh->not_acked.load();
  r.retried = sh->retried.load();
  sh->issue = nullptr; // breaks the cycle sh -> issue -> (weak) sh
  return r;
}

/// Test certificates for the TLS run (ca.pem, broker.pem/.key).
struct bench_certs {
  sim::temp_dir dir;
  bool ok = false;
  bench_certs() {
    auto cmd = "'" + std::string{SHELFWIRE_SOURCE_DIR} + "/scripts/make-test-certs.sh' '" +
               dir.path() + "' broker >/dev/null";
    ok = std::system(cmd.c_str()) == 0;
  }
};

/// The broker of one run: plain, or a TLS listener (what the clients use)
/// plus a plain one on loopback for the ceiling.
std::unique_ptr<sim::mosquitto_server> make_broker(const bench_certs* tls, uint16_t& plain_port) {
  if (!tls) {
    auto b = std::make_unique<sim::mosquitto_server>();
    plain_port = b->port();
    return b;
  }
  plain_port = sim::free_port();
  const auto pp = plain_port;
  return std::make_unique<sim::mosquitto_server>([tls, pp](uint16_t port) {
    // Started as root, mosquitto reads its files as the user mosquitto: the
    // certificates sit in this process's private temporary directory.
    return std::string{::geteuid() == 0 ? "user root\n" : ""} +
           "per_listener_settings false\n"
           "allow_anonymous true\n"
           "listener " +
           std::to_string(port) +
           " 127.0.0.1\n"
           "cafile " +
           tls->dir.file("ca.pem") + "\ncertfile " + tls->dir.file("broker.pem") + "\nkeyfile " +
           tls->dir.file("broker.key") +
           "\ntls_version tlsv1.2\n"
           "listener " +
           std::to_string(pp) + " 127.0.0.1\n" + sim::mosquitto_tuning();
  });
}

/// Everything the benchmark starts. Destroyed in reverse: the emulator and
/// the other members before the in-process node, all before the servers.
struct bench_env {
  explicit bench_env(const bench_certs* tls)
      : broker(make_broker(tls, plain_port))
      , url((tls ? "ssl://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(broker->port()))
      , tls_ca(tls ? tls->dir.file("ca.pem") : "") {}
  uint16_t plain_port = 0; ///< the ceiling's (the TLS broker's second listener)
  std::unique_ptr<sim::mosquitto_server> broker;
  std::string url;    ///< what the node, members and emulator use
  std::string tls_ca; ///< with TLS
  sim::redis_server redis;
  sim::temp_dir dir;
  std::unique_ptr<node> n;                 ///< the node under test, in this process
  int cluster_port = 0;                    ///< its CAF port (cluster.port), the seed of the others
  std::vector<sim::child_process> members; ///< --bench.cluster-nodes > 1: the others
  std::optional<sim::child_process> emu;   ///< shelfwire-gw-emu
  bool exporter = false;                   ///< metrics.listen on, scraped by `scraper`
  std::thread scraper;
  std::atomic<bool> stop_scraping{false};
  std::atomic<uint64_t> scrapes{0};

  ~bench_env() { stop_scraper(); }

  /// Reads /metrics every `interval` (pacing, not synchronisation) until stopped.
  void start_scraper(uint16_t port, std::chrono::milliseconds interval) {
    scraper = std::thread{[this, port, interval] {
      while (!stop_scraping) {
        if (sim::http_get(port, "/metrics").status == 200)
          ++scrapes;
        std::this_thread::sleep_for(interval);
      }
    }};
  }
  void stop_scraper() {
    stop_scraping = true;
    if (scraper.joinable())
      scraper.join();
  }
};

/// The bare broker's ceiling at each in-flight level, before anything else
/// uses the broker. Empty without rawmq or with bench.ceiling-requests = 0.
std::map<int64_t, sim::ceiling> measure_ceilings(const bench_options& o, bench_env& env) {
  auto rawmq = o.rawmq.empty() ? sim::build_binary("rawmq") : o.rawmq;
  std::map<int64_t, sim::ceiling> ceilings;
  bool have_rawmq = access(rawmq.c_str(), X_OK) == 0;
  if (!have_rawmq)
    std::printf("  (no raw MQTT client at %s: ceiling not measured)\n", rawmq.c_str());
  if (have_rawmq && o.ceiling_requests > 0)
    for (auto c : o.in_flight) {
      auto n = c == 1 ? std::min<int64_t>(o.ceiling_requests, 10'000) : o.ceiling_requests;
      ceilings[c] = sim::measure_ceiling(rawmq, env.plain_port, n, c, env.dir.path());
    }
  return ceilings;
}

/// Starts the node under test in this process; false (with a message) if it
/// does not come up.
bool start_node(const bench_options& o, const log::log_options& lo, bench_env& env) {
  node_options no;
  no.name = "bench-node";
  no.mqtt.url = env.url;
  no.mqtt.tls_ca = env.tls_ca;
  no.redis.port = env.redis.port();
  no.routers.pool_size = static_cast<int>(o.routers);
  no.commands.supervisors = static_cast<int>(o.supervisors);
  no.scheduler_threads = static_cast<int>(o.scheduler_threads);
  no.scheduler_policy = o.scheduler_policy;
  no.metrics_interval_ms = 0;
  no.log = lo;
  if (env.exporter)
    no.metrics_listen = "127.0.0.1:" + std::to_string(sim::free_port());
  if (o.cluster_nodes > 1)
    no.cluster.port = sim::free_port();
  env.cluster_port = no.cluster.port;
  env.n = std::make_unique<node>(no);
  if (auto err = env.n->start(); !err.empty()) {
    std::cerr << "node: " << err << "\n";
    return false;
  }
  if (!env.n->wait_ready(10s)) {
    std::cerr << "node not ready\n";
    return false;
  }
  if (env.exporter)
    env.start_scraper(env.n->metrics_port(), std::chrono::milliseconds{o.scrape_interval_ms});
  return true;
}

/// The other members (bench.cluster-nodes - 1 node processes): same pools,
/// no status consumers (this node's counter tells when the table is
/// complete), no intake. False (with a message) if the cluster does not form.
bool start_members(const bench_options& o, bench_env& env) {
  for (int64_t k = 2; k <= o.cluster_nodes; ++k) {
    auto name = "bench-node-" + std::to_string(k);
    env.members.push_back(sim::child_process::start(
        {sim::build_binary("shelfwire-node"), "--node.name=" + name, "--mqtt.url=" + env.url,
         "--mqtt.tls-ca=" + env.tls_ca, "--redis.port=" + std::to_string(env.redis.port()),
         "--cluster.seeds=127.0.0.1:" + std::to_string(env.cluster_port), "--routing.consume=false",
         "--intake.enabled=false", "--routers.pool-size=" + std::to_string(o.routers),
         "--commands.supervisors=" + std::to_string(o.supervisors),
         "--scheduler.threads=" + std::to_string(o.scheduler_threads),
         "--scheduler.policy=" + o.scheduler_policy, "--metrics.interval-ms=0", "--log.level=warn"},
        env.dir.file(name + ".log")));
  }
  if (o.cluster_nodes > 1) {
    auto& members_gauge = env.n->metrics().get_gauge("cluster.members");
    if (!sim::wait_until([&] { return members_gauge.value() == o.cluster_nodes; }, 30s)) {
      std::cerr << "cluster did not form: " << members_gauge.value() << " of " << o.cluster_nodes
                << " members\n";
      return false;
    }
    // Their response consumers come up while the routing table fills (below).
  }
  return true;
}

/// Starts the emulator once the node listens (it advertises once at start)
/// and waits until every advert is in Redis; false (with a message) if not.
bool start_emulator(const bench_options& o, bench_env& env) {
  env.emu = sim::child_process::start(
      {sim::build_binary("shelfwire-gw-emu"), "--mqtt.url=" + env.url,
       "--mqtt.tls-ca=" + env.tls_ca, "--store.gateways=" + std::to_string(o.gateways),
       "--store.esls=" + std::to_string(o.esls), "--store.extra-hearers=1", "--log.level=info",
       "--log.stats-interval-ms=1000"},
      env.dir.file("emulator.log"));
  auto& m = env.n->metrics();
  auto adverts = static_cast<uint64_t>(o.esls * 2);
  if (!sim::wait_until([&] { return m.counter_value("status.adverts_applied") >= adverts; }, 60s)) {
    std::cerr << "routing table did not converge: " << m.counter_value("status.adverts_applied")
              << "/" << adverts << " adverts applied\n"
              << env.emu->log_tail();
    return false;
  }
  return true;
}

/// The ESLs the emulator plays (same store, same MACs).
std::vector<esl_mac> store_esls(const bench_options& o) {
  auto store = sim::gateway_emulator::simple_store(static_cast<size_t>(o.gateways),
                                                   static_cast<size_t>(o.esls), 1);
  std::vector<esl_mac> esls;
  for (auto& e : store.esls)
    esls.push_back(e.esl);
  return esls;
}

double ms(uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

/// SHELFWIRE_BENCH_DEBUG: the node's data-path counters.
void print_debug_counters(node& n) {
  auto& m = n.metrics();
  for (auto k : {"commands.accepted", "router.dispatched", "mqtt.egress.published",
                 "mqtt.egress.publish_failed", "mqtt.responses0.received", "replies.received",
                 "replies.delivered", "replies.late", "replies.duplicate", "replies.stray",
                 "replies.malformed", "replies.bad_token", "router.unavailable",
                 "mqtt.egress.delivery_complete", "mqtt.egress.reconnects",
                 "mqtt.responses0.reconnects", "mqtt.responses0.unmatched"})
    std::printf("   %s=%llu\n", k, static_cast<unsigned long long>(m.counter_value(k)));
}

/// One in-flight level: warm-up, the measured run, its table row(s). False
/// if some command was not acked.
bool measure_level(const bench_options& o, bench_env& env, const std::vector<esl_mac>& esls,
                   int64_t c, const sim::ceiling& ce) {
  auto& n = *env.n;
  if (o.warmup > 0)
    drive(n, esls, o.warmup, c);
  auto hop0 = n.metrics().get_histogram("cluster.hop_us").snapshot();
  auto cpu_self0 = sim::cpu_seconds(-1), cpu_emu0 = sim::cpu_seconds(env.emu->pid());
  auto cpu_broker0 = sim::cpu_seconds(env.broker->pid());
  auto threads0 = sim::sample_threads(getpid());
  auto r = drive(n, esls, o.commands, c);
  auto threads = sim::thread_deltas(threads0, sim::sample_threads(getpid()));
  auto cpu_self = sim::cpu_seconds(-1) - cpu_self0;
  auto cpu_emu = sim::cpu_seconds(env.emu->pid()) - cpu_emu0;
  auto cpu_broker = sim::cpu_seconds(env.broker->pid()) - cpu_broker0;
  std::printf("%-9lld %10.0f %9.3f %9.3f %9.3f %9.2f %10.3f | %10.0f %9.3f %9.3f | %7.1f%% %8llu\n",
              static_cast<long long>(c), r.cps, ms(r.latency.percentile(0.5)),
              ms(r.latency.percentile(0.9)), ms(r.latency.percentile(0.99)), ms(r.latency.max),
              ms(r.backbone.percentile(0.5)), ce.rps, ce.p50_us / 1000.0, ce.p99_us / 1000.0,
              ce.ok ? 100.0 * r.cps / ce.rps : 0.0, static_cast<unsigned long long>(r.not_acked));
  std::printf("%-9s cpu over %.2f s: node %.2f s, emulator %.2f s, broker %.2f s; %llu commands "
              "retried\n",
              "", r.seconds, cpu_self, cpu_emu, cpu_broker,
              static_cast<unsigned long long>(r.retried));
  if (o.commands > 0)
    std::cout << sim::thread_table(threads, static_cast<double>(o.commands), cpu_self);
  if (o.cluster_nodes > 1) {
    auto h = n.metrics().get_histogram("cluster.hop_us").snapshot().since(hop0);
    std::printf("%-9s one CAF hop (reply forwarded by another member -> supervisor here), "
                "%llu hops: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.2f ms\n",
                "", static_cast<unsigned long long>(h.count), ms(h.percentile(0.5)),
                ms(h.percentile(0.9)), ms(h.percentile(0.99)), ms(h.max));
  }
  if (getenv("SHELFWIRE_BENCH_DEBUG"))
    print_debug_counters(n);
  return r.not_acked == 0;
}

} // namespace

/// One whole run (servers, node, members, emulator, every level) with plain
/// MQTT or over TLS. The ceilings are measured by the first run and reused.
/// 0 when every command was acked, 1 otherwise.
int run(const bench_options& o, const log::log_options& lo, const bench_certs* tls, bool exporter,
        std::optional<std::map<int64_t, sim::ceiling>>& ceilings) {
  bench_env env{tls}; // 1. the servers
  env.exporter = exporter;
  std::printf(
      "\nshelfwire-bench: MQTT %s (%s), exporter %s, redis 127.0.0.1:%u, %lld gateways, "
      "%lld ESLs, routers: %lld, %lld commands per level\n",
      tls ? "over TLS" : "plain", env.url.c_str(), exporter ? "on" : "off", env.redis.port(),
      static_cast<long long>(o.gateways), static_cast<long long>(o.esls),
      static_cast<long long>(router_options{static_cast<int>(o.routers)}.effective_pool_size()),
      static_cast<long long>(o.commands));
  // 2. The bare broker's ceiling, before anything else uses the broker.
  if (!ceilings)
    ceilings = measure_ceilings(o, env);
  // 3. The node (this process), the other members, the emulator (own process).
  if (!start_node(o, lo, env) || !start_members(o, env) || !start_emulator(o, env))
    return 1;
  auto esls = store_esls(o);
  // 4. and 5. Each in-flight level in turn, a row each.
  std::printf("\n%-9s %10s %9s %9s %9s %9s %10s | %10s %9s %9s | %8s %8s\n", "in-flight", "cmds/s",
              "p50 ms", "p90 ms", "p99 ms", "max ms", "backbone50", "ceiling/s", "ceil p50",
              "ceil p99", "thru %", "not ack");
  int rc = 0;
  for (auto c : o.in_flight)
    if (!measure_level(o, env, esls, c, (*ceilings)[c]))
      rc = 1;
  env.stop_scraper();
  if (exporter)
    std::printf("exporter on: /metrics read %llu times (every %lld ms)\n",
                static_cast<unsigned long long>(env.scrapes.load()),
                static_cast<long long>(o.scrape_interval_ms));
  env.n->stop();
  for (auto& m : env.members)
    m.stop(5s);
  env.emu->stop(5s);
  return rc;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int exit_code = 0;
  auto loaded = config::load_for_main(bench_schema(), args, "shelfwire-bench", exit_code);
  if (!loaded)
    return exit_code;
  auto o = *loaded;
  log::log_options lo;
  lo.level = o.log_level;
  lo.process_name = "bench";
  log::setup(lo);

  std::optional<bench_certs> certs;
  if (o.mqtt_tls != "off") {
    certs.emplace();
    if (!certs->ok) {
      std::cerr << "cannot make test certificates (scripts/make-test-certs.sh, openssl)\n";
      return 1;
    }
  }
  std::optional<std::map<int64_t, sim::ceiling>> ceilings;
  int rc = 0;
  for (bool exporter : {false, true}) {
    if ((exporter && o.exporter == "off") || (!exporter && o.exporter == "on"))
      continue;
    if (o.mqtt_tls != "on")
      rc |= run(o, lo, nullptr, exporter, ceilings);
    if (o.mqtt_tls != "off")
      rc |= run(o, lo, &*certs, exporter, ceilings);
  }
  std::printf(
      "\nthru %% = shelfwire commands/s over the bare broker's request/reply ceiling at "
      "the same in-flight level (QoS 1, plain TCP, measured first, same kind of broker).\n");
  return rc;
}
