// shelfwire-sim as a process: a small scenario on a 2-node cluster with its
// own mosquitto and redis-server; the report's schema and figures.

#include <csignal>
#include <filesystem>

#include "tests/integration/process/process_support.hpp"
#include "tests/integration/sim/sim_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

json_value run_sim(const temp_dir& dir, const std::string& tag, std::vector<std::string> extra,
                   int expected_status = 0) {
  auto report = dir.file(tag + ".json");
  std::vector<std::string> argv{build_binary("shelfwire-sim"),
                                "--scenario",
                                std::string{SHELFWIRE_SOURCE_DIR} + "/sim/scenarios/demo.ini",
                                "--report",
                                report,
                                "--cluster.nodes=2",
                                "--store.gateways=6",
                                "--store.esls=300",
                                "--producer.workers=10",
                                "--producer.tasks=400",
                                "--report.progress-interval-ms=500"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto r = run_to_exit(dir, tag, argv, std::chrono::minutes{4});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status);
  REQUIRE(*r.status == expected_status);
  CHECK(r.out.find("tasks ") != std::string::npos); // progress lines and the summary
  CHECK(r.out.find("latency (ms)") != std::string::npos);
  std::string err;
  auto v = json_parser::parse(read_text(report), &err);
  INFO("report JSON error: " << err);
  REQUIRE(v);
  return *v;
}

} // namespace

TEST_CASE("shelfwire-sim runs a scenario on a cluster and reports it", "[sim]") {
  temp_dir dir;
  auto rep = run_sim(dir, "addressed", {});
  CHECK(num(rep, "commands") == 800);
  CHECK(num(rep, "acked") + num(rep, "nacked") + num(rep, "timed_out") + num(rep, "unroutable") +
            num(rep, "failed") + num(rep, "superseded") ==
        800);
  CHECK(num(rep, "lost") == 0);
  CHECK(num(rep, "timed_out") == 0);
  CHECK(num(rep, "nodes") == 2);
  // Replies land on either node: about half cross.
  CHECK(num(rep, "cross_node_replies") > 0.25 * num(rep, "replies"));
  // Routes follow the floor plan (RSSI noise 2 dB may flip close calls).
  CHECK(num(rep, "best_route_ratio") > 0.8);
  CHECK(num(rep, "throughput_cps") > 0);
  auto* lat = rep.find("latency_ms");
  REQUIRE(lat);
  for (auto* metric : {"backbone", "end_to_end"}) {
    INFO(metric);
    REQUIRE(lat->find(metric));
    for (auto* f : {"mean", "p50", "p90", "p99", "max"})
      CHECK(num(*lat->find(metric), f) > 0);
    CHECK(num(*lat->find(metric), "p50") <= num(*lat->find(metric), "p99"));
  }
  CHECK(num(*lat->find("backbone"), "p50") <= num(*lat->find("end_to_end"), "p50"));
  auto* cpu = rep.find("cpu_s");
  REQUIRE(cpu);
  CHECK(num(*cpu, "simulator_share") > 0);
  CHECK(num(*cpu, "simulator_share") < 1);
  // One PNG histogram per latency metric.
  auto* plots = rep.find("plots");
  REQUIRE(plots);
  REQUIRE(plots->array.size() == 2);
  for (auto& p : plots->array) {
    INFO(p.text);
    CHECK(std::filesystem::file_size(p.text) > 1000);
    CHECK(read_text(p.text).substr(1, 3) == "PNG");
  }
}

TEST_CASE("shelfwire-sim in naive mode shows the misrouting: commands time out, none lost",
          "[sim]") {
  temp_dir dir;
  auto rep = run_sim(dir, "naive",
                     {"--cluster.reply-routing=naive", "--report.histograms=false",
                      // no windows, no breaker: dropped replies would look like
                      // silent gateways (sim/scenarios/naive-2-nodes.ini)
                      "--cluster.node-args=--commands.max-attempts=1 "
                      "--commands.attempt-timeout-ms=500 --commands.timeout-ms=500 "
                      "--gateway.flow-control=false --gateway.breaker-silent-attempts=0",
                      "--gateway.nack-per-mille=0", "--gateway.no-reply-per-mille=0"});
  CHECK(num(rep, "lost") == 0);
  CHECK(num(rep, "cross_node_replies") == 0);
  CHECK(num(rep, "timed_out") > 0.3 * 800);
  CHECK(num(rep, "acked") > 0.3 * 800);
}

TEST_CASE("shelfwire-sim drives a running cluster (cluster.nodes = 0) and counts deltas",
          "[sim][external]") {
  process_env env;
  auto s = env.node("ext-node");
  s.attempt_timeout_ms = 5000;
  auto node = start_node(env.dir, s);
  show_logs_on_failure logs{{"ext-node", &node}};
  env.connect_clients();
  REQUIRE(env.wait_node_ready("ext-node"));
  std::vector<std::string> external{"--cluster.nodes=0", "--cluster.broker-url=" + env.broker.url(),
                                    "--cluster.metrics-topic=" + metrics_topic,
                                    "--report.histograms=false", "--report.ceiling=false"};
  // Twice: the second run's counters must not include the first run's.
  for (auto* tag : {"external-1", "external-2"}) {
    INFO(tag);
    auto rep = run_sim(env.dir, tag, external);
    CHECK(rep["external_cluster"].boolean);
    CHECK(num(rep, "nodes") == 1);
    CHECK(num(rep, "commands") == 800);
    CHECK(num(rep, "lost") == 0);
    CHECK(num(rep, "acked") + num(rep, "nacked") + num(rep, "timed_out") == 800);
    CHECK(num(rep, "replies") >= 790);      // the gateways' no-reply share is 2 per mille
    CHECK(num(rep, "replies") <= 820);      // ... and duplicates are off
    CHECK(num(rep["cpu_s"], "nodes") == 0); // not ours to measure
  }
  CHECK(node.running()); // not ours to stop
  CHECK(node.stop(exit_bound) == 0);
}

TEST_CASE("shelfwire-sim with cluster.nodes = 0 and no broker URL exits 2 naming the keys",
          "[sim][external]") {
  temp_dir dir;
  auto r = run_to_exit(dir, "no-broker",
                       {build_binary("shelfwire-sim"), "--scenario",
                        std::string{SHELFWIRE_SOURCE_DIR} + "/sim/scenarios/demo.ini",
                        "--cluster.nodes=0"},
                       config_error_bound);
  REQUIRE(r.status);
  CHECK(*r.status == 2);
  CHECK(r.err.find("cluster.nodes") != std::string::npos);
  CHECK(r.err.find("cluster.broker-url") != std::string::npos);
}

TEST_CASE("shelfwire-sim on SIGTERM stops submitting, lets the tasks in flight finish, stops "
          "what it started and exits 0",
          "[sim][signal]") {
  temp_dir dir;
  auto report = dir.file("term.json");
  auto sim = child_process::start({build_binary("shelfwire-sim"), "--scenario",
                                   std::string{SHELFWIRE_SOURCE_DIR} + "/sim/scenarios/demo.ini",
                                   "--report", report, "--cluster.nodes=1", "--store.gateways=6",
                                   "--store.esls=300", "--producer.workers=10",
                                   "--producer.tasks=10000000", "--report.progress-interval-ms=200",
                                   "--report.histograms=false"},
                                  dir.file("term.log"));
  show_logs_on_failure logs{{"shelfwire-sim", &sim}};
  // Under load once the first progress line reports ended commands.
  REQUIRE(wait_until([&] { return log_has(sim, "cmds/s"); }, 120s));
  sim.signal(SIGTERM);
  auto status = sim.wait_exit(60s);
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(log_has(sim, "stopped on request"));
  CHECK(log_has(sim, "OK: every command has exactly one outcome (stopped early on request)"));
  std::string err;
  auto v = json_parser::parse(read_text(report), &err);
  INFO("report JSON error: " << err);
  REQUIRE(v);
  CHECK((*v)["interrupted"].boolean);
  CHECK(num(*v, "lost") == 0);
  CHECK(num(*v, "commands") > 0);
  CHECK(num(*v, "commands") < 20'000'000);
}
