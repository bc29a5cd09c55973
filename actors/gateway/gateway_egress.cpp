#include "actors/gateway/gateway_egress.hpp"

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"

namespace shelfwire {

gateway_egress::counters::counters(metrics::registry& reg)
    : waited(reg.get_counter("gateway.waited"))
    , rerouted(reg.get_counter("gateway.rerouted"))
    , balanced(reg.get_counter("routing.balanced"))
    , avoided_down(reg.get_counter("routing.avoided_down"))
    , all_down(reg.get_counter("routing.all_down"))
    , trips(reg.get_counter("gateway.breaker_trips"))
    , recoveries(reg.get_counter("gateway.breaker_recoveries"))
    , busy(reg.get_counter("gateway.busy_nacks"))
    , silent(reg.get_counter("gateway.silent_attempts"))
    , published_late(reg.get_counter("gateway.window_sends"))
    , publish_failed(reg.get_counter("gateway.window_send_failed"))
    , waiting(reg.get_gauge("gateway.waiting"))
    , in_flight(reg.get_gauge("gateway.in_flight"))
    , down(reg.get_gauge("gateway.down")) {}

gateway_egress::gateway_egress(flow::flow_options opts, std::shared_ptr<mqtt::publisher> out,
                               metrics::registry& reg)
    : opts_(opts)
    , out_(std::move(out))
    , metrics_(reg)
    , flow_(opts) {}

void gateway_egress::update_metrics() {
  auto& t = flow_.totals();
  auto bump = [](metrics::counter& c, uint64_t now, uint64_t& before) {
    if (now > before)
      c.inc(now - before);
    before = now;
  };
  bump(metrics_.waited, t.waited, reported_.waited);
  bump(metrics_.rerouted, t.rerouted, reported_.rerouted);
  bump(metrics_.balanced, t.balanced, reported_.balanced);
  bump(metrics_.avoided_down, t.avoided_down, reported_.avoided_down);
  bump(metrics_.all_down, t.all_down, reported_.all_down);
  bump(metrics_.trips, t.breaker_trips, reported_.breaker_trips);
  bump(metrics_.recoveries, t.breaker_recoveries, reported_.breaker_recoveries);
  bump(metrics_.busy, t.busy, reported_.busy);
  bump(metrics_.silent, t.silent, reported_.silent);
  metrics_.waiting.set(static_cast<int64_t>(flow_.waiting()));
  metrics_.in_flight.set(static_cast<int64_t>(flow_.in_flight()));
}

flow::gateway_flow::choice gateway_egress::choose(const routing::route& r,
                                                  const std::vector<gw_mac>& tried,
                                                  bool allow_repeat) {
  std::lock_guard<std::mutex> g{mtx_};
  auto c = flow_.choose(r, tried, allow_repeat, steady_now_us());
  if (c.balanced || c.avoided_down || c.all_down)
    update_metrics();
  return c;
}

gateway_egress::admission gateway_egress::send(gw_mac gw, flow::attempt_key k, priority p,
                                               const std::string& topic, std::string& payload,
                                               const command_handle& who, uint32_t seq) {
  {
    std::lock_guard<std::mutex> g{mtx_};
    if (!flow_.admit(gw, k, p, steady_now_us())) {
      parked_[k.command_id] = parked{topic, std::move(payload), who, seq};
      update_metrics();
      return admission::waiting;
    }
    metrics_.in_flight.set(static_cast<int64_t>(flow_.in_flight()));
  }
  if (out_->publish(topic, payload, 1) == mqtt::publish_errc::ok)
    return admission::sent;
  // Nothing went out: the slot is free again, and may let a waiter go.
  std::vector<flow::launch> launches;
  std::vector<go> todo;
  {
    std::lock_guard<std::mutex> g{mtx_};
    flow_.abandon(k, steady_now_us(), launches);
    collect(launches, todo);
  }
  carry_out(todo);
  return admission::failed;
}

void gateway_egress::collect(std::vector<flow::launch>& launches, std::vector<go>& out) {
  for (auto& l : launches) {
    auto it = parked_.find(l.key.command_id);
    if (it == parked_.end())
      continue; // cannot happen: every waiter was parked
    out.push_back({l, std::move(it->second)});
    parked_.erase(it);
  }
  launches.clear();
  update_metrics();
}

void gateway_egress::carry_out(std::vector<go>& todo) {
  // Publishing may let more go (a failure frees the slot again): loop.
  while (!todo.empty()) {
    std::vector<go> batch;
    batch.swap(todo);
    for (auto& x : batch) {
      if (x.what.reroute) {
        caf::anon_send(x.p.who, window_atom_v, x.p.seq);
        continue;
      }
      if (out_->publish(x.p.topic, x.p.payload, 1) == mqtt::publish_errc::ok) {
        metrics_.published_late.inc();
        caf::anon_send(x.p.who, window_atom_v, x.p.seq, x.what.gw);
        continue;
      }
      // Broker unreachable: free the slot and let the command route again
      // (the router will find routing unavailable and back off).
      metrics_.publish_failed.inc();
      std::vector<flow::launch> more;
      {
        std::lock_guard<std::mutex> g{mtx_};
        flow_.abandon(x.what.key, steady_now_us(), more);
        collect(more, todo);
      }
      caf::anon_send(x.p.who, window_atom_v, x.p.seq);
    }
  }
}

void gateway_egress::release(flow::attempt_key k, flow::signal s) {
  std::vector<flow::launch> launches;
  std::vector<go> todo;
  {
    std::lock_guard<std::mutex> g{mtx_};
    flow_.release(k, s, steady_now_us(), launches);
    collect(launches, todo);
  }
  carry_out(todo);
}

void gateway_egress::forget(uint64_t command_id) {
  std::vector<flow::launch> launches;
  std::vector<go> todo;
  {
    std::lock_guard<std::mutex> g{mtx_};
    parked_.erase(command_id);
    flow_.forget(command_id, steady_now_us(), launches);
    collect(launches, todo);
  }
  carry_out(todo);
}

std::vector<flow::gateway_stats> gateway_egress::stats() {
  std::lock_guard<std::mutex> g{mtx_};
  auto s = flow_.stats(steady_now_us());
  int64_t down = 0;
  for (auto& x : s)
    down += x.breaker == flow::breaker_state::down ? 1 : 0;
  metrics_.down.set(down);
  return s;
}

flow::flow_totals gateway_egress::totals() {
  std::lock_guard<std::mutex> g{mtx_};
  return flow_.totals();
}

} // namespace shelfwire
