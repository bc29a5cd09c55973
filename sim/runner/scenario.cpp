#include "sim/runner/scenario.hpp"

#include "config/validators.hpp"

namespace shelfwire::sim {

const config::schema<scenario>& scenario_schema() {
  static const auto s = [] {
    config::schema<scenario> s{"shelfwire-sim",
                               "Runs a simulated store against shelfwire nodes and reports "
                               "outcomes, throughput and latency."};
    s.add_section("scenario", "What this scenario is.");
    s.string(
        "scenario.name", [](auto& o) -> auto& { return o.name; }, "Short name.");
    s.string(
        "scenario.description", [](auto& o) -> auto& { return o.description; },
        "One line on what it shows.");
    s.add_section("cluster", "What runs the system under test.");
    s.integer(
        "cluster.nodes", [](auto& o) -> auto& { return o.nodes; }, 1, 64,
        "shelfwire-node processes to start.");
    s.string(
        "cluster.node-args", [](auto& o) -> auto& { return o.node_args; },
        "Extra options for every node, space separated: \"--routers.pool-size=8 ...\".");
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
    s.add_section("store", "The emulated store.");
    s.integer(
        "store.gateways", [](auto& o) -> auto& { return o.gateways; }, 1, 4096, "Gateways.");
    s.integer(
        "store.esls", [](auto& o) -> auto& { return o.esls; }, 1, 10'000'000, "ESLs.");
    s.integer(
        "store.extra-hearers", [](auto& o) -> auto& { return o.extra_hearers; }, 0, 16,
        "Neighbour gateways that also hear each ESL (weaker).");
    s.integer(
        "store.seed", [](auto& o) -> auto& { return o.seed; }, 0, INT64_MAX, "Seed.");
    s.integer(
        "store.status-interval-ms", [](auto& o) -> auto& { return o.status_interval_ms; }, 0,
        3'600'000, "Gateways re-advertise this often; 0 = once at start.");
    s.add_section("gateway", "How every gateway answers actions.");
    s.integer(
        "gateway.reply-delay-ms", [](auto& o) -> auto& { return o.reply_delay_ms; }, 0, 600'000,
        "Fixed answer delay.");
    s.integer(
        "gateway.reply-jitter-ms", [](auto& o) -> auto& { return o.reply_jitter_ms; }, 0, 600'000,
        "Uniform extra delay in [0, jitter].");
    s.integer(
        "gateway.nack-per-mille", [](auto& o) -> auto& { return o.nack_per_mille; }, 0, 1000,
        "NACKs per mille.");
    s.integer(
        "gateway.nack-code", [](auto& o) -> auto& { return o.nack_code; }, 0, 255, "NACK code.");
    s.integer(
        "gateway.no-reply-per-mille", [](auto& o) -> auto& { return o.no_reply_per_mille; }, 0,
        1000, "Actions never answered, per mille.");
    s.integer(
        "gateway.duplicate-per-mille", [](auto& o) -> auto& { return o.duplicate_per_mille; }, 0,
        1000, "Actions answered twice, per mille.");
    s.boolean(
        "gateway.legacy", [](auto& o) -> auto& { return o.legacy; },
        "Legacy firmware: no `id` echoed.");
    s.add_section("producer", "The load: closed loop, as the thesis' task workers.");
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
    return s;
  }();
  return s;
}

} // namespace shelfwire::sim
