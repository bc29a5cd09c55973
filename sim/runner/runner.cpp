// run_scenario: the phases of a run in order (run_state.hpp says which file
// holds which), then the results and stopping what the run started.

#include "sim/runner/runner.hpp"

#include <ostream>

#include "sim/harness/wait.hpp"
#include "sim/runner/run_state.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

run_report run_scenario(const scenario& sc, std::ostream& out) {
  run_control ctl;
  return run_scenario(sc, out, ctl);
}

run_report run_scenario(const scenario& sc, std::ostream& out, const run_control& ctl) {
  run_state r{sc, out, ctl};
  start_servers(r);
  measure_broker_ceiling(r); // before anything else uses the broker
  watch_metrics(r);
  start_nodes(r);
  if (!wait_for_cluster(r))
    return std::move(r.rep);
  build_store(r);
  start_emulators(r);
  if (!wait_for_routes(r))
    return std::move(r.rep);
  drive_load(r);
  collect_results(r);
  stop_everything(r);
  collect_presence(r);
  return std::move(r.rep);
}

void collect_results(run_state& r) {
  auto& rep = r.rep;
  auto ended = r.col.ended();
  rep.lost = rep.commands - ended;
  rep.throughput_cps = static_cast<double>(ended) / rep.seconds;
  rep.backbone_us = r.col.backbone.snapshot();
  rep.end_to_end_us = r.col.end_to_end.snapshot();
  rep.best_route_ratio =
      rep.routed ? static_cast<double>(rep.best_routed) / static_cast<double>(rep.routed) : 0;
  auto cpu1 = cpu_now(r.env);
  rep.cpu_sim_s = cpu1.sim - r.cpu0.sim;
  rep.cpu_nodes_s = cpu1.nodes - r.cpu0.nodes;
  rep.cpu_broker_s = cpu1.broker - r.cpu0.broker;
  rep.cpu_redis_s = cpu1.redis - r.cpu0.redis;
  for (size_t i = 0; i < cpu1.node_threads.size() && i < r.cpu0.node_threads.size(); ++i)
    merge_groups(rep.node_threads, thread_deltas(r.cpu0.node_threads[i], cpu1.node_threads[i]));
  // The nodes' counters: wait for snapshots taken after the last outcome.
  // (A running cluster publishes them every metrics.interval-ms, 10 s by default.)
  auto ended_at_nodes = [&] {
    int64_t n = 0;
    for (auto* o :
         {"outcomes.acked", "outcomes.nacked", "outcomes.timed_out", "outcomes.unroutable",
          "outcomes.failed", "outcomes.superseded", "outcomes.aborted"})
      n += r.delta(o);
    return n;
  };
  wait_until([&] { return r.ctl.abort || ended_at_nodes() >= static_cast<int64_t>(ended); },
             rep.external ? 25s : 5s);
  rep.duplicates_dropped = r.delta("replies.duplicate") + r.delta("replies.late");
  rep.malformed = r.delta("replies.malformed") + r.delta("status.malformed");
  rep.replies_received = r.delta("replies.received");
  rep.cross_node_replies = r.delta("replies.crossed");
  rep.node_actions = r.delta("router.dispatched") + r.delta("gateway.window_sends");
  rep.routing_balanced = r.delta("routing.balanced");
  rep.routing_avoided_down = r.delta("routing.avoided_down");
  rep.jobs_taken_over = r.delta("jobs.taken_over");
  rep.commands_adopted = r.delta("jobs.adopted_commands");
  collect_radio_results(r);
}

void stop_everything(run_state& r) {
  // The gateways, then the nodes (they drain); the servers stop with r.env.
  r.emu->stop();
  for (size_t i = 0; i < r.env.nodes.size(); ++i) {
    if (r.env.node_names[i] == r.rep.killed_node)
      continue; // killed on purpose (cluster.kill-node-at-ms)
    auto st = r.env.nodes[i].stop(std::chrono::seconds{15});
    if (st != 0) {
      r.rep.nodes_failed_to_stop++;
      r.out << "node " << r.env.node_names[i] << " exited " << st << ":\n"
            << r.env.nodes[i].log_tail(2000);
    }
  }
}

} // namespace shelfwire::sim
