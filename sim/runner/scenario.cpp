#include "sim/runner/scenario.hpp"

#include <string>

#include "config/validators.hpp"

namespace shelfwire::sim {

namespace {

/// [scenario]: what this scenario is.
void add_scenario_keys(config::schema<scenario>& s) {
  s.add_section("scenario", "What this scenario is.");
  s.string(
      "scenario.name", [](auto& o) -> auto& { return o.name; }, "Short name.");
  s.string(
      "scenario.description", [](auto& o) -> auto& { return o.description; },
      "One line on what it shows.");
}

/// [cluster]: what runs the system under test.
void add_cluster_keys(config::schema<scenario>& s) {
  s.add_section("cluster", "What runs the system under test.");
  s.integer(
      "cluster.nodes", [](auto& o) -> auto& { return o.nodes; }, 0, 64,
      "shelfwire-node processes to start; 0 = start none and drive the running cluster "
      "whose broker cluster.broker-url names (it must publish metrics on "
      "shelfwire/metrics; CPU is then not measured).");
  s.string(
      "cluster.node-args", [](auto& o) -> auto& { return o.node_args; },
      "Extra options for every node, space separated: \"--routers.pool-size=8 ...\".");
  s.string(
      "cluster.metrics-topic", [](auto& o) -> auto& { return o.metrics_topic; },
      "metrics.topic of the nodes (set on those it starts; a running cluster's must match).",
      "an MQTT topic without wildcards",
      [](std::string_view v) {
        return !v.empty() && v.find_first_of("+#") == std::string_view::npos;
      });
  s.string(
      "cluster.presence-topic", [](auto& o) -> auto& { return o.presence_topic; },
      "presence.topic of the nodes (set on those it starts); the report shows each node's "
      "presence as the broker holds it at the end. Empty: the nodes announce none.",
      "an MQTT topic without wildcards, or empty",
      [](std::string_view v) { return v.find_first_of("+#") == std::string_view::npos; });
  s.string(
      "cluster.broker-url", [](auto& o) -> auto& { return o.broker_url; },
      "Use this broker instead of starting one (tcp://host:port); empty = start one.",
      "empty or tcp://host:port",
      [](std::string_view v) { return v.empty() || config::validators::tcp_url(v); });
  s.string(
      "cluster.redis-host", [](auto& o) -> auto& { return o.redis_host; },
      "Use this Redis instead of starting one; empty = start one.");
  s.integer(
      "cluster.redis-port", [](auto& o) -> auto& { return o.redis_port; }, 1, 65535,
      "Port of cluster.redis-host.");
  s.integer(
      "cluster.redis-restart-at-ms", [](auto& o) -> auto& { return o.redis_restart_at_ms; }, 0,
      86'400'000,
      "Restart the scenario's own redis-server this long after the load starts; it comes back "
      "empty, as after a crash. 0 = never.");
  s.integer(
      "cluster.kill-node-at-ms", [](auto& o) -> auto& { return o.kill_node_at_ms; }, 0, 86'400'000,
      "kill -9 one node this long after the load starts (its jobs fail over to their "
      "standbys); 0 = never.");
  s.integer(
      "cluster.kill-node", [](auto& o) -> auto& { return o.kill_node; }, 0, 63,
      "Which node cluster.kill-node-at-ms kills: its index, 0 = the first (the seed).");
  s.integer(
      "cluster.routers", [](auto& o) -> auto& { return o.routers; }, 0, 256,
      "routers.pool-size of every node; 0 = the node's default.");
  s.enumeration(
      "cluster.reply-routing", [](auto& o) -> auto& { return o.reply_routing; },
      {"addressed", "naive"}, "cluster.reply-routing of every node.");
}

/// [store]: the floor plan, the radio, the gateways' adverts.
void add_store_keys(config::schema<scenario>& s) {
  s.add_section("store", "The emulated store(s): floor plan, radio, gateways' adverts.");
  s.enumeration(
      "store.model", [](auto& o) -> auto& { return o.model; }, {"floor", "simple"},
      "floor: gateways on a grid, ESLs placed at random, RSSI by log-distance path loss; "
      "simple: each ESL heard by its home gateway and extra-hearers neighbours.");
  s.integer(
      "store.stores", [](auto& o) -> auto& { return o.stores; }, 1, 64,
      "Stores at once (a chain), with distinct gateways and ESLs.");
  s.integer(
      "store.gateways", [](auto& o) -> auto& { return o.gateways; }, 1, 4096,
      "Gateways per store.");
  s.integer(
      "store.esls", [](auto& o) -> auto& { return o.esls; }, 1, 10'000'000, "ESLs per store.");
  s.integer(
      "store.width-m", [](auto& o) -> auto& { return o.width_m; }, 1, 10'000,
      "Floor width (floor model).");
  s.integer(
      "store.depth-m", [](auto& o) -> auto& { return o.depth_m; }, 1, 10'000, "Floor depth.");
  s.integer(
      "store.tx-power-dbm", [](auto& o) -> auto& { return o.tx_power_dbm; }, -100, 20,
      "RSSI at 1 m.");
  s.string(
      "store.path-loss-exponent", [](auto& o) -> auto& { return o.path_loss_exponent; },
      "Path-loss exponent n of rssi = tx - 10 n log10(d).", "a decimal number in [1, 6]",
      [](std::string_view v) {
        try {
          size_t used = 0;
          auto d = std::stod(std::string{v}, &used);
          return used == v.size() && d >= 1.0 && d <= 6.0;
        } catch (...) {
          return false;
        }
      });
  s.integer(
      "store.sensitivity-dbm", [](auto& o) -> auto& { return o.sensitivity_dbm; }, -127, 0,
      "Weakest RSSI a gateway hears (the nearest gateway always hears an ESL).");
  s.integer(
      "store.max-hearers", [](auto& o) -> auto& { return o.max_hearers; }, 1, 16,
      "Gateways that hear one ESL, at most (the strongest).");
  s.integer(
      "store.rssi-noise-db", [](auto& o) -> auto& { return o.rssi_noise_db; }, 0, 30,
      "Standard deviation of the noise on each advert's RSSI.");
  s.integer(
      "store.extra-hearers", [](auto& o) -> auto& { return o.extra_hearers; }, 0, 16,
      "Neighbour gateways that also hear each ESL (weaker).");
  s.integer(
      "store.seed", [](auto& o) -> auto& { return o.seed; }, 0, INT64_MAX, "Seed.");
  s.integer(
      "store.status-interval-ms", [](auto& o) -> auto& { return o.status_interval_ms; }, 0,
      3'600'000, "Gateways re-advertise this often; 0 = once at start.");
  s.integer(
      "store.moving-esls", [](auto& o) -> auto& { return o.moving_esls; }, 0, 1'000'000,
      "ESLs moved to a random spot every move-interval-ms (their routes must follow).");
  s.integer(
      "store.move-interval-ms", [](auto& o) -> auto& { return o.move_interval_ms; }, 10, 3'600'000,
      "How often ESLs move.");
}

/// [gateway]: how gateways answer (shared with shelfwire-gw-emu), legacy firmware, the outage.
void add_gateway_keys(config::schema<scenario>& s) {
  s.add_section("gateway", "How every gateway answers actions.");
  add_behavior_keys(
      s, "gateway", [](auto& o) -> auto& { return o.behavior; });
  s.integer(
      "gateway.legacy-gateways", [](auto& o) -> auto& { return o.legacy_gateways; }, 0, 4096,
      "Or only the first N gateways of each store are legacy.");
  s.integer(
      "gateway.outage-gateways", [](auto& o) -> auto& { return o.outage_gateways; }, 0, 4096,
      "Gateways of the first store that go silent during the outage window.");
  s.integer(
      "gateway.outage-start-ms", [](auto& o) -> auto& { return o.outage_start_ms; }, 0, 86'400'000,
      "When the outage starts, after the load starts.");
  s.integer(
      "gateway.outage-duration-ms", [](auto& o) -> auto& { return o.outage_duration_ms; }, 0,
      86'400'000, "How long it lasts.");
}

/// [producer]: the load.
void add_producer_keys(config::schema<scenario>& s) {
  s.add_section("producer", "The load.");
  s.enumeration(
      "producer.mode", [](auto& o) -> auto& { return o.mode; }, {"closed", "open", "reprice"},
      "closed: workers each submit a task and wait for its result (the thesis); open: tasks "
      "at rate-tps regardless of results; reprice: every ESL of reprice-store at once, in "
      "tasks of commands-per-task.");
  s.integer(
      "producer.workers", [](auto& o) -> auto& { return o.workers; }, 1, 10'000,
      "Concurrent workers; each submits a task and waits for its result.");
  s.integer(
      "producer.tasks", [](auto& o) -> auto& { return o.tasks; }, 1, 100'000'000,
      "Tasks in total.");
  s.integer(
      "producer.commands-per-task", [](auto& o) -> auto& { return o.commands_per_task; }, 1,
      100'000, "Commands per task (one job each).");
  s.integer(
      "producer.task-timeout-ms", [](auto& o) -> auto& { return o.task_timeout_ms; }, 100,
      86'400'000, "A task without a result after this long counts as lost.");
  s.integer(
      "producer.resubmit-after-ms", [](auto& o) -> auto& { return o.resubmit_after_ms; }, 0,
      3'600'000,
      "Resubmit (same job id) a task without a receipt after this long, as a producer should "
      "(docs/northbound.md: 5 s); the producer then subscribes to receipts. 0 = never: a "
      "submission that reached a node which died before its receipt is lost to the producer.");
  s.integer(
      "producer.rate-tps", [](auto& o) -> auto& { return o.rate_tps; }, 1, 1'000'000,
      "Open loop: tasks submitted per second.");
  s.integer(
      "producer.reprice-store", [](auto& o) -> auto& { return o.reprice_store; }, 0, 63,
      "Reprice: which store (0-based).");
  s.integer(
      "producer.urgent-at-per-mille", [](auto& o) -> auto& { return o.urgent_at_per_mille; }, 0,
      1000,
      "Submit one urgent job (one ESL, a price, priority high) once this share of the "
      "commands has an outcome, to an ESL whose command has ended; its latency is reported "
      "on its own (urgent_latency_ms). 0 = none.");
}

/// [report]: output.
void add_report_keys(config::schema<scenario>& s) {
  s.add_section("report", "Output.");
  s.string(
      "report.path", [](auto& o) -> auto& { return o.report_path; },
      "Write the JSON report here; empty = no file.");
  s.integer(
      "report.progress-interval-ms", [](auto& o) -> auto& { return o.progress_interval_ms; }, 0,
      3'600'000, "Progress line this often; 0 = none.");
  s.enumeration(
      "report.log-level", [](auto& o) -> auto& { return o.log_level; },
      {"trace", "debug", "info", "warn", "error", "critical", "off"},
      "Log level of the simulator and the nodes.");
  s.boolean(
      "report.histograms", [](auto& o) -> auto& { return o.histograms; },
      "With report.path: PNG histograms of the latencies beside it (gnuplot).");
  s.boolean(
      "report.ceiling", [](auto& o) -> auto& { return o.ceiling; },
      "Measure the bare broker's request/reply ceiling (rawmq) before the run.");
  s.integer(
      "report.ceiling-requests", [](auto& o) -> auto& { return o.ceiling_requests; }, 1000,
      10'000'000, "Requests of the ceiling run.");
}

} // namespace

const config::schema<scenario>& scenario_schema() {
  static const auto s = [] {
    config::schema<scenario> s{"shelfwire-sim",
                               "Runs a simulated store against shelfwire nodes and reports "
                               "outcomes, throughput and latency."};
    add_scenario_keys(s);
    add_cluster_keys(s);
    add_store_keys(s);
    add_gateway_keys(s);
    add_producer_keys(s);
    add_report_keys(s);
    return s;
  }();
  return s;
}

} // namespace shelfwire::sim
