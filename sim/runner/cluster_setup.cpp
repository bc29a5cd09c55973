// The system under test: the servers, the bare broker's ceiling, the metrics
// watch, the node processes and waiting until they formed one cluster.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <thread>

#include "sim/harness/ceiling.hpp"
#include "sim/runner/run_state.hpp"

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

/// Scheduler threads for each of `nodes` node processes on this machine.
int64_t threads_per_node(int64_t nodes) {
  auto cores = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max<int64_t>(1, cores / std::max<int64_t>(nodes, 1));
}

/// The command line of node `name`; `seed_port` is the first node's (0: this is it).
std::vector<std::string> node_argv(const run_state& r, const std::string& name, uint16_t port,
                                   uint16_t seed_port) {
  const auto& sc = r.sc;
  std::vector<std::string> argv{build_binary("shelfwire-node"),
                                "--node.name=" + name,
                                "--mqtt.url=" + r.url,
                                "--redis.host=" + r.redis_host,
                                "--redis.port=" + std::to_string(r.redis_port),
                                "--metrics.interval-ms=500",
                                "--metrics.topic=" + sc.metrics_topic,
                                "--presence.topic=" + sc.presence_topic,
                                "--log.level=" + sc.log_level,
                                "--cluster.port=" + std::to_string(port),
                                "--cluster.reply-routing=" + sc.reply_routing};
  if (seed_port != 0)
    argv.push_back("--cluster.seeds=127.0.0.1:" + std::to_string(seed_port));
  if (sc.routers > 0)
    argv.push_back("--routers.pool-size=" + std::to_string(sc.routers));
  // Several nodes on this machine share its cores: one scheduler thread
  // per core each would only make them compete (node-args may override).
  if (sc.nodes > 1)
    argv.push_back("--scheduler.threads=" + std::to_string(threads_per_node(sc.nodes)));
  for (auto& a : split_args(sc.node_args))
    argv.push_back(a);
  return argv;
}

bool cluster_formed(const run_state& r) {
  if (r.rep.external) // its nodes' (retained) metrics snapshots
    return r.watch->nodes() > 0;
  for (auto& n : r.env.node_names)
    if (r.watch->value(n, "cluster.members") != r.sc.nodes)
      return false;
  return true;
}

} // namespace

void start_servers(run_state& r) {
  const auto& sc = r.sc;
  auto& out = r.out;
  r.url = sc.broker_url;
  if (r.url.empty()) {
    r.env.broker = std::make_unique<mosquitto_server>();
    r.url = r.env.broker->url();
  }
  r.redis_host = sc.redis_host;
  r.redis_port = sc.redis_port;
  if (r.redis_host.empty() && !r.rep.external) {
    r.env.redis = std::make_unique<redis_server>();
    r.redis_host = "127.0.0.1";
    r.redis_port = r.env.redis->port();
  }
  out << "shelfwire-sim: scenario '" << sc.name << "': ";
  if (r.rep.external)
    out << "a running cluster";
  else
    out << sc.nodes << " node(s)";
  out << ", " << sc.stores << " store(s) of " << sc.gateways << " gateways and " << sc.esls
      << " ESLs; broker " << r.url;
  if (!r.rep.external)
    out << ", redis " << r.redis_host << ":" << r.redis_port;
  out << "\n";
}

void measure_broker_ceiling(run_state& r) {
  const auto& sc = r.sc;
  if (!sc.ceiling || !r.env.broker)
    return;
  auto rawmq = build_binary("rawmq");
  if (access(rawmq.c_str(), X_OK) != 0) {
    r.out << "report.ceiling: no raw MQTT client at " << rawmq << " (built from "
          << "../shared/tools/mqtt-ceiling): ceiling not measured\n";
    return;
  }
  auto in_flight = std::max<int64_t>(1, sc.workers * sc.commands_per_task);
  auto& c = r.rep.broker_ceiling;
  c = measure_ceiling(rawmq, r.env.broker->port(), sc.ceiling_requests, in_flight,
                      r.env.dir.path());
  char line[200];
  std::snprintf(line, sizeof(line),
                "bare broker ceiling at %lld in flight: %.0f req/s (p50 %.2f ms, p99 %.2f ms)\n",
                static_cast<long long>(in_flight), c.rps, c.p50_us / 1000, c.p99_us / 1000);
  r.out << line;
}

void watch_metrics(run_state& r) {
  r.watch.emplace(client_opts(r.url, "shelfwire-sim-watch"), r.sc.metrics_topic, r.reg);
  r.watch->start();
  if (!r.sc.presence_topic.empty()) {
    r.presence.emplace(client_opts(r.url, "shelfwire-sim-presence"), r.sc.presence_topic, r.reg);
    r.presence->start();
  }
}

void start_nodes(run_state& r) {
  uint16_t seed_port = 0;
  for (int64_t i = 0; i < r.sc.nodes; ++i) {
    auto name = "sim-node-" + std::to_string(i + 1);
    auto port = free_port();
    auto argv = node_argv(r, name, port, seed_port);
    if (i == 0)
      seed_port = port;
    r.env.nodes.push_back(child_process::start(argv, r.env.dir.file(name + ".log")));
    r.env.node_names.push_back(name);
  }
}

bool wait_for_cluster(run_state& r) {
  auto& out = r.out;
  if (!r.wait_or_stop([&] { return cluster_formed(r); }, 60s)) {
    if (r.ctl.stop) {
      r.interrupted();
      return false;
    }
    if (r.rep.external)
      out << "no shelfwire node publishes metrics on '" << r.sc.metrics_topic << "' at " << r.url
          << ": is the cluster running, and is this its broker?\n";
    for (size_t i = 0; i < r.env.nodes.size(); ++i)
      out << "node " << r.env.node_names[i] << " did not come up or join:\n"
          << r.env.nodes[i].log_tail();
    r.rep.lost = 1;
    return false;
  }
  if (r.rep.external) {
    r.rep.nodes = static_cast<int64_t>(r.watch->nodes());
    out << "targeting a running cluster: " << r.rep.nodes << " node(s) publish metrics on '"
        << r.sc.metrics_topic << "'\n";
  } else {
    out << "cluster of " << r.sc.nodes << " node(s) formed\n";
  }
  return true;
}

} // namespace shelfwire::sim
