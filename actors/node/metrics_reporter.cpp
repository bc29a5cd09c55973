#include "actors/node/metrics_reporter.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/core/json_writer.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"

namespace shelfwire {

namespace {

/// [{gw, state, window, ...}]: one entry per gateway the node has sent to.
std::string gateways_json(const std::vector<flow::gateway_stats>& stats) {
  json_writer w;
  w.begin_array();
  for (auto& g : stats)
    w.begin_object()
        .field("gw", g.gw.to_string())
        .field("state", flow::to_string(g.breaker))
        .field("window", g.window)
        .field("in_flight", static_cast<uint64_t>(g.in_flight))
        .field("waiting", static_cast<uint64_t>(g.waiting))
        .field("sent", g.sent)
        .field("acks", g.acks)
        .field("busy", g.busy)
        .field("silent", g.silent)
        .field("trips", g.breaker_trips)
        .end_object();
  w.end_array();
  return w.take();
}

std::vector<flow::gateway_stats> gateway_stats(const node_context& ctx) {
  // stats() also brings the gateway.down gauge up to date.
  return ctx.gateways ? ctx.gateways->stats() : std::vector<flow::gateway_stats>{};
}

} // namespace

std::string metrics_snapshot_json(const node_context& ctx) {
  auto gateways = gateways_json(gateway_stats(ctx)); // before the registry: gateway.down
  std::string members;
  auto view = ctx.cluster.get();
  for (auto& m : view->members)
    members += (members.empty() ? "\"" : ",\"") + m.name + "\"";
  return "{\"node\":\"" + ctx.id.name + "\",\"incarnation\":" + std::to_string(ctx.id.incarnation) +
         ",\"ts_ms\":" + std::to_string(wall_now_ms()) + ",\"cluster\":{\"endpoint\":\"" +
         view->self_endpoint() + "\",\"members\":[" + members +
         "]},\"metrics\":" + ctx.registry->to_json() + ",\"gateways\":" + gateways + "}";
}

namespace {

void report(caf::stateful_actor<metrics_reporter_state>* self) {
  auto& ctx = *self->state.ctx;
  auto& m = *ctx.metrics;
  auto e2e = m.latency_end_to_end_us.snapshot();
  int64_t gw_down = 0, gw_waiting = 0;
  for (auto& g : gateway_stats(ctx)) {
    gw_down += g.breaker == flow::breaker_state::down;
    gw_waiting += g.waiting;
  }
  log::get("metrics")->info(
      "accepted={} pending={} in_flight={} acked={} nacked={} timed_out={} unroutable={} failed={} "
      "superseded={} aborted={} e2e_p50_us={} e2e_p99_us={} replies={} malformed={} late={} "
      "status_adverts={} jobs={}/{} gw_waiting={} gw_down={} busy_nacks={}",
      m.commands_accepted.value(), m.commands_pending.value(), m.commands_in_flight.value(),
      m.outcome(outcome_status::acked).value(), m.outcome(outcome_status::nacked).value(),
      m.outcome(outcome_status::timed_out).value(), m.outcome(outcome_status::unroutable).value(),
      m.outcome(outcome_status::failed).value(), m.outcome(outcome_status::superseded).value(),
      m.outcome(outcome_status::aborted).value(), e2e.percentile(0.5), e2e.percentile(0.99),
      m.replies_received.value(), m.replies_malformed.value() + m.status_malformed.value(),
      m.replies_late.value(), m.status_adverts.value(), m.jobs_completed.value(),
      m.jobs_accepted.value(), gw_waiting, gw_down,
      ctx.registry->counter_value("gateway.busy_nacks"));
  if (!ctx.opts.metrics_topic.empty())
    ctx.egress->publish(ctx.opts.metrics_topic + "/" + ctx.id.name, metrics_snapshot_json(ctx), 0,
                        true);
}

} // namespace

caf::behavior metrics_reporter(caf::stateful_actor<metrics_reporter_state>* self,
                               node_context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  auto interval = std::chrono::milliseconds{self->state.ctx->opts.metrics_interval_ms};
  if (interval.count() > 0)
    self->delayed_send(self, interval, caf::tick_atom_v);
  return {
      [=](caf::tick_atom) {
        report(self);
        self->delayed_send(self, interval, caf::tick_atom_v);
      },
  };
}

} // namespace shelfwire
