// The run's report as a console summary table and as JSON (the keys are a
// contract of the simulator: sim/README.md).

#include <cstdio>
#include <ostream>

#include "runtime/core/json_writer.hpp"
#include "sim/runner/runner.hpp"

namespace shelfwire::sim {

namespace {

/// The radio lines of the summary (gateway.radio-slots > 0).
void print_radio_summary(const run_report& r, std::ostream& out) {
  if (!r.radio)
    return;
  char buf[512];
  auto c = static_cast<double>(r.compression);
  std::snprintf(buf, sizeof(buf),
                "radio (time compressed %lldx): completion %.1f s (%.0f s real), radio bound %.1f "
                "s (%.0f s real; capacity alone %.1f s): %.3f x the bound\n",
                static_cast<long long>(r.compression), r.completion_s, r.completion_s * c,
                r.radio_bound_s, r.radio_bound_s * c, r.radio_capacity_bound_s,
                r.radio_bound_s > 0 ? r.completion_s / r.radio_bound_s : 0.0);
  out << buf;
  std::snprintf(buf, sizeof(buf),
                "busy NACKs %lld (%.2f %% of %lld actions; %lld ttl expired), transmissions %lld, "
                "peak queue %lld, peak slots %lld\n",
                static_cast<long long>(r.busy_nacks),
                r.actions > 0
                    ? 100.0 * static_cast<double>(r.busy_nacks) / static_cast<double>(r.actions)
                    : 0.0,
                static_cast<long long>(r.actions), static_cast<long long>(r.radio_expired),
                static_cast<long long>(r.transmissions), static_cast<long long>(r.peak_queue),
                static_cast<long long>(r.peak_slots));
  out << buf;
  if (r.urgent_latency_ms >= 0) {
    std::snprintf(buf, sizeof(buf), "urgent job (ESL %s): %s through %s in %.1f ms\n",
                  r.urgent_esl.c_str(), r.urgent_outcome.c_str(), r.urgent_gateway.c_str(),
                  r.urgent_latency_ms);
    out << buf;
  }
}

/// The radio part of the JSON report.
void radio_json(const run_report& r, json_writer& w) {
  w.field("completion_s", r.completion_s);
  w.field("compression", r.compression);
  w.field("radio_bound_s", r.radio_bound_s);
  w.field("radio_bound_real_s", r.radio_bound_s * static_cast<double>(r.compression));
  w.field("busy_nacks", r.busy_nacks);
  w.field("urgent_latency_ms", r.urgent_latency_ms);
  w.key("radio").begin_object();
  w.field("enabled", r.radio);
  w.field("capacity_bound_s", r.radio_capacity_bound_s);
  w.field("completion_over_bound", r.radio_bound_s > 0 ? r.completion_s / r.radio_bound_s : 0.0);
  w.field("actions", r.actions);
  w.field("busy_share",
          r.actions > 0 ? static_cast<double>(r.busy_nacks) / static_cast<double>(r.actions) : 0.0);
  w.field("expired", r.radio_expired);
  w.field("transmissions", r.transmissions);
  w.field("peak_queue", r.peak_queue);
  w.field("peak_slots", r.peak_slots);
  w.key("hearers_per_esl").begin_object();
  for (auto& [n, esls] : r.hearers_per_esl)
    w.field(std::to_string(n), static_cast<uint64_t>(esls));
  w.end_object();
  w.key("gateway_actions").begin_object();
  for (auto& [gw, n] : r.gateway_actions)
    w.field(gw, n);
  w.end_object();
  w.end_object();
  w.key("urgent").begin_object();
  w.field("esl", r.urgent_esl);
  w.field("outcome", r.urgent_outcome);
  w.field("gateway", r.urgent_gateway);
  w.field("latency_ms", r.urgent_latency_ms);
  w.end_object();
}

} // namespace

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
  if (r.tasks_resubmitted > 0)
    out << "  resubmitted " << r.tasks_resubmitted
        << " submissions without a receipt (same job id; producer.resubmit-after-ms)\n";
  std::snprintf(buf, sizeof(buf),
                "acked %llu  nacked %llu  timed_out %llu  unroutable %llu  failed %llu  "
                "superseded %llu  aborted %llu  LOST %llu\n",
                static_cast<unsigned long long>(r.outcomes[0]),
                static_cast<unsigned long long>(r.outcomes[1]),
                static_cast<unsigned long long>(r.outcomes[2]),
                static_cast<unsigned long long>(r.outcomes[3]),
                static_cast<unsigned long long>(r.outcomes[4]),
                static_cast<unsigned long long>(r.outcomes[5]),
                static_cast<unsigned long long>(r.outcomes[6]),
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
  if (r.node_actions > 0) {
    std::snprintf(
        buf, sizeof(buf),
        "routing: %lld actions; load chose a runner-up within the margin for %lld "
        "(%.1f %%); a down gateway passed over %lld times\n",
        static_cast<long long>(r.node_actions), static_cast<long long>(r.routing_balanced),
        100.0 * static_cast<double>(r.routing_balanced) / static_cast<double>(r.node_actions),
        static_cast<long long>(r.routing_avoided_down));
    out << buf;
  }
  out << "actions per command:";
  for (size_t i = 0; i < r.attempts.size(); ++i)
    if (r.attempts[i] > 0)
      out << "  " << i << (i + 1 == r.attempts.size() ? "+" : "") << ": " << r.attempts[i];
  out << "\n";
  if (!r.killed_node.empty()) {
    std::snprintf(buf, sizeof(buf),
                  "node %s killed: %lld jobs taken over by their standbys (%lld commands still "
                  "running adopted); the last task in flight at the kill ended %lld ms after it; "
                  "%llu tasks lost\n",
                  r.killed_node.c_str(), static_cast<long long>(r.jobs_taken_over),
                  static_cast<long long>(r.commands_adopted),
                  static_cast<long long>(r.failover_recovery_ms),
                  static_cast<unsigned long long>(r.tasks_lost));
    out << buf;
  }
  if (!r.presence.empty()) {
    out << "presence at the end (the broker's):";
    for (auto& [node, st] : r.presence) {
      out << "  " << node << " " << st.first;
      if (!st.second.empty())
        out << " (" << st.second << ")";
    }
    if (r.presence_lost_after_ms >= 0)
      out << "; " << r.killed_node << "'s will " << r.presence_lost_after_ms
          << " ms after the kill";
    out << "\n";
  }
  print_radio_summary(r, out);
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
  auto ended = static_cast<double>(r.ended());
  if (ended <= 0)
    return;
  std::snprintf(buf, sizeof(buf),
                "CPU per command: nodes %.0f us, broker %.0f us, simulator %.0f us, redis %.0f us "
                "(nodes / broker = %.2f)\n",
                1e6 * r.cpu_nodes_s / ended, 1e6 * r.cpu_broker_s / ended,
                1e6 * r.cpu_sim_s / ended, 1e6 * r.cpu_redis_s / ended,
                r.cpu_broker_s > 0 ? r.cpu_nodes_s / r.cpu_broker_s : 0.0);
  out << buf;
  if (!r.node_threads.empty())
    out << "the nodes' threads:\n" << thread_table(r.node_threads, ended, r.cpu_nodes_s);
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
  w.field("tasks_resubmitted", r.tasks_resubmitted);
  w.field("rejected_tasks", r.rejected_tasks);
  w.field("commands", r.commands);
  for (auto st : all_outcome_statuses)
    w.field(to_string(st), r.outcomes[static_cast<size_t>(st)]);
  w.field("lost", r.lost);
  w.field("duplicates_dropped", r.duplicates_dropped);
  w.field("malformed", r.malformed);
  w.field("replies", r.replies_received);
  w.field("cross_node_replies", r.cross_node_replies);
  w.key("failover").begin_object();
  w.field("killed_node", r.killed_node);
  w.field("recovery_ms", r.failover_recovery_ms);
  w.field("jobs_taken_over", r.jobs_taken_over);
  w.field("commands_adopted", r.commands_adopted);
  w.field("presence_lost_after_ms", r.presence_lost_after_ms);
  w.end_object();
  w.key("presence").begin_object(); // node -> its presence at the end, as the broker holds it
  for (auto& [node, st] : r.presence)
    w.key(node).begin_object().field("state", st.first).field("reason", st.second).end_object();
  w.end_object();
  w.field("best_route_ratio", r.best_route_ratio);
  w.key("routing").begin_object(); // the nodes' decisions (docs/gateways.md)
  w.field("actions", r.node_actions);
  w.field("balanced", r.routing_balanced);
  w.field("avoided_down", r.routing_avoided_down);
  w.end_object();
  w.key("attempts").begin_object(); // outcomes by actions published for the command
  for (size_t i = 0; i < r.attempts.size(); ++i)
    if (r.attempts[i] > 0)
      w.field(std::to_string(i), r.attempts[i]);
  w.end_object();
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
  auto ended = static_cast<double>(r.ended());
  auto per_cmd = [&](double v) { return ended > 0 ? v / ended : 0.0; };
  w.key("cpu_us_per_command").begin_object();
  w.field("nodes", per_cmd(1e6 * r.cpu_nodes_s));
  w.field("broker", per_cmd(1e6 * r.cpu_broker_s));
  w.field("simulator", per_cmd(1e6 * r.cpu_sim_s));
  w.field("redis", per_cmd(1e6 * r.cpu_redis_s));
  w.field("nodes_to_broker", r.cpu_broker_s > 0 ? r.cpu_nodes_s / r.cpu_broker_s : 0.0);
  w.end_object();
  w.key("node_threads").begin_array();
  for (auto& g : r.node_threads) {
    w.begin_object();
    w.field("name", g.name);
    w.field("threads", static_cast<uint64_t>(g.threads));
    w.field("cpu_s", g.cpu_s);
    w.field("cpu_us_per_command", per_cmd(1e6 * g.cpu_s));
    w.field("wakeups_per_command", per_cmd(static_cast<double>(g.voluntary)));
    w.field("preemptions_per_command", per_cmd(static_cast<double>(g.involuntary)));
    w.end_object();
  }
  w.end_array();
  w.field("node_wakeups_per_command", per_cmd(static_cast<double>(total_wakeups(r.node_threads))));
  radio_json(r, w);
  w.key("plots").begin_array();
  for (auto& p : r.plots)
    w.value(p);
  w.end_array();
  w.end_object();
  return w.take();
}

} // namespace shelfwire::sim
