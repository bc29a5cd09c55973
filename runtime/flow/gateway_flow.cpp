#include "runtime/flow/gateway_flow.hpp"

#include <algorithm>
#include <cmath>

#include "runtime/routing/pick.hpp"

namespace shelfwire::flow {

namespace {
constexpr uint32_t round_min_acks = 16;
} // namespace

std::string_view to_string(breaker_state s) {
  switch (s) {
  case breaker_state::up:
    return "up";
  case breaker_state::down:
    return "down";
  case breaker_state::probing:
    return "probing";
  }
  return "?";
}

gateway_flow::gateway_flow(flow_options opts)
    : opts_(opts)
    , window_min_(static_cast<double>(std::max<int64_t>(1, opts.window_min)))
    , window_max_(std::max(window_min_, static_cast<double>(opts.window_max)))
    , window_initial_(
          std::clamp(static_cast<double>(opts.window_initial), window_min_, window_max_)) {
  if (!(opts_.decrease > 0 && opts_.decrease < 1))
    opts_.decrease = 0.5;
}

gateway_flow::gateway& gateway_flow::at(gw_mac gw) {
  auto [it, fresh] = gateways_.try_emplace(gw);
  if (fresh) {
    it->second.window = window_initial_;
    it->second.counts.gw = gw;
  }
  return it->second;
}

void gateway_flow::refresh(gateway& g, int64_t now_us) {
  if (g.breaker == breaker_state::down && now_us >= g.down_until_us) {
    g.breaker = breaker_state::probing;
    g.probe.reset();
  }
}

bool gateway_flow::usable(gw_mac gw, int64_t now_us) {
  auto it = gateways_.find(gw);
  if (it == gateways_.end())
    return true;
  auto& g = it->second;
  refresh(g, now_us);
  switch (g.breaker) {
  case breaker_state::up:
    return true;
  case breaker_state::down:
    return false;
  case breaker_state::probing:
    return !g.probe; // the first command after the cool-down is the probe
  }
  return true;
}

bool gateway_flow::can_send(const gateway& g) const {
  if (g.breaker == breaker_state::probing)
    return !g.probe;
  if (!opts_.enabled)
    return true;
  return g.in_flight < static_cast<uint32_t>(std::max(1.0, std::floor(g.window)));
}

gateway_flow::choice gateway_flow::choose(const routing::route& r, const std::vector<gw_mac>& tried,
                                          bool allow_repeat, int64_t now_us) {
  choice c;
  auto pure = routing::pick_gateway(r, tried, allow_repeat);
  if (!pure)
    return c;
  auto pick =
      routing::pick_gateway(r, tried, allow_repeat, [&](gw_mac gw) { return usable(gw, now_us); });
  if (!pick) { // nothing it may use works now: ask again later
    c.all_down = true;
    ++totals_.all_down;
    return c;
  }
  // What load may choose from: the untried usable candidates when the pick
  // is one of them, else the pick alone (a repeat).
  std::vector<const routing::candidate*> up;
  for (auto& cand : r.candidates)
    if (std::find(tried.begin(), tried.end(), cand.gw) == tried.end() && usable(cand.gw, now_us))
      up.push_back(&cand);
  if (up.empty())
    up.push_back(&*std::find_if(r.candidates.begin(), r.candidates.end(),
                                [&](const routing::candidate& x) { return x.gw == pick->gw; }));
  const routing::candidate* first = up.front();
  c.avoided_down = first->gw != pure->gw;
  if (c.avoided_down)
    ++totals_.avoided_down;
  const routing::candidate* chosen = first;
  // Free window: what a gateway could still take now (negative: a queue).
  auto free_of = [&](gw_mac gw) {
    auto it = gateways_.find(gw);
    if (it == gateways_.end())
      return std::floor(window_initial_);
    auto& g = it->second;
    return std::floor(g.window) - g.in_flight - g.waiting;
  };
  // The strongest usable candidate keeps the command while it can take it
  // now; only when it cannot does load decide among those within the margin.
  if (opts_.enabled && opts_.balance_margin_db > 0 && up.size() > 1 && free_of(first->gw) <= 0) {
    int32_t strongest = first->rssi;
    for (auto* cand : up)
      strongest = std::max(strongest, cand->rssi);
    double best_free = 0;
    bool have = false;
    for (auto* cand : up) {
      if (cand->rssi < strongest - opts_.balance_margin_db)
        continue;
      auto free = free_of(cand->gw);
      if (!have || free > best_free) {
        have = true;
        best_free = free;
        chosen = cand;
      }
    }
  }
  c.pick = *chosen;
  if (chosen != first) {
    c.balanced = true;
    ++totals_.balanced;
    ++at(chosen->gw).counts.balanced_in;
  }
  return c;
}

void gateway_flow::take_slot(gw_mac gw, gateway& g, attempt_key k, int64_t now_us) {
  ++g.in_flight;
  ++g.counts.sent;
  if (g.breaker == breaker_state::probing && !g.probe)
    g.probe = k;
  in_flight_[k.command_id].push_back({gw, k.attempt, now_us});
  ++in_flight_count_;
}

bool gateway_flow::admit(gw_mac gw, attempt_key k, priority p, int64_t now_us) {
  auto& g = at(gw);
  refresh(g, now_us);
  // Down: nothing may wait for it (nothing would wake the waiter). choose()
  // never picks a down gateway; it can only have tripped between choose()
  // and this call: send, and let the attempt timeout decide.
  if (g.breaker == breaker_state::down || (g.waiting == 0 && can_send(g))) {
    take_slot(gw, g, k, now_us);
    return true;
  }
  g.queues[static_cast<size_t>(p)].push_back({k, now_us});
  ++g.waiting;
  ++g.counts.waited;
  ++totals_.waited;
  waiting_index_[k.command_id] = {gw, k};
  return false;
}

void gateway_flow::answered(gateway& g) {
  g.silent_in_row = 0;
  if (g.breaker != breaker_state::up) { // an answer proves the gateway works
    g.breaker = breaker_state::up;
    g.probe.reset();
    g.window = window_initial_; // what it can take now is unknown: find out again
    g.slow_start = true;
    ++totals_.breaker_recoveries;
  }
}

void gateway_flow::shrink(gateway& g, int64_t sent_us, int64_t now_us) {
  // One decrease per window: the losses of actions sent before the last
  // decrease were caused by the window that decrease already corrected.
  if (sent_us <= g.last_decrease_us)
    return;
  g.window = std::max(window_min_, g.window * opts_.decrease);
  g.slow_start = false;
  g.round_acks = 0;
  g.round_min_us = INT64_MAX;
  g.round_sum_us = 0;
  g.last_decrease_us = now_us;
}

void gateway_flow::on_ack_latency(gateway& g, int64_t latency_us) {
  if (g.slow_start)
    g.window = std::min(window_max_, g.window + 0.5);
  g.round_min_us = std::min(g.round_min_us, latency_us);
  g.round_sum_us += latency_us;
  // A round: a window's worth of ACKs, at least round_min_acks, so that
  // the fastest of it is not a matter of luck with transmission times.
  if (++g.round_acks < std::max(static_cast<uint32_t>(std::floor(g.window)), round_min_acks))
    return;
  // A round is over. Its fastest ACK saw the least queue of the round: if
  // even that one is slower than the recent rounds' fastest by more than
  // ACK times vary anyway, actions queue at the gateway and a larger window
  // would only add to the queue.
  auto mean = static_cast<double>(g.round_sum_us) / g.round_acks;
  auto spread = mean - static_cast<double>(g.round_min_us);
  g.spread_us = g.spread_us < 0 ? spread : 0.75 * g.spread_us + 0.25 * spread;
  auto n = std::min(g.rounds, g.round_mins.size());
  int64_t base = g.round_min_us;
  for (size_t i = 0; i < n; ++i)
    base = std::min(base, g.round_mins[i]);
  g.round_mins[g.rounds++ % g.round_mins.size()] = g.round_min_us;
  auto limit = static_cast<double>(base) + opts_.queue_tolerance * g.spread_us +
               static_cast<double>(opts_.queue_slack_us);
  if (static_cast<double>(g.round_min_us) <= limit) {
    if (!g.slow_start)
      g.window = std::min(window_max_, g.window + 1);
  } else if (g.slow_start) { // the first queue: back to where there was none
    g.slow_start = false;
    g.window = std::max(window_min_, g.window * opts_.decrease);
  } else {
    g.window = std::max(window_min_, g.window - 1);
  }
  g.round_acks = 0;
  g.round_min_us = INT64_MAX;
  g.round_sum_us = 0;
}

void gateway_flow::trip(gw_mac gw, gateway& g, int64_t now_us, std::vector<launch>& out) {
  if (g.breaker != breaker_state::down) {
    ++g.counts.breaker_trips;
    ++totals_.breaker_trips;
  }
  g.breaker = breaker_state::down;
  g.down_until_us = now_us + opts_.breaker_cool_down_ms * 1000;
  g.probe.reset();
  g.silent_in_row = 0;
  // Nothing waits for a gateway that is down: route them again.
  for (auto& q : g.queues) {
    for (auto& w : q) {
      auto it = waiting_index_.find(w.key.command_id);
      if (it == waiting_index_.end() || it->second.first != gw || !(it->second.second == w.key))
        continue;
      waiting_index_.erase(it);
      out.push_back({w.key, gw, true});
      ++totals_.rerouted;
    }
    q.clear();
  }
  g.waiting = 0;
}

void gateway_flow::drain(gw_mac gw, gateway& g, int64_t now_us, std::vector<launch>& out) {
  if (g.breaker == breaker_state::down)
    return;
  for (auto& q : g.queues) {
    while (!q.empty() && g.waiting > 0 && can_send(g)) {
      auto w = q.front();
      q.pop_front();
      auto it = waiting_index_.find(w.key.command_id);
      if (it == waiting_index_.end() || it->second.first != gw || !(it->second.second == w.key))
        continue; // forgotten while waiting
      waiting_index_.erase(it);
      --g.waiting;
      take_slot(gw, g, w.key, now_us);
      out.push_back({w.key, gw, false});
    }
    if (!can_send(g))
      return;
  }
}

void gateway_flow::release(attempt_key k, signal s, int64_t now_us, std::vector<launch>& out) {
  auto it = in_flight_.find(k.command_id);
  if (it == in_flight_.end())
    return;
  auto& slots = it->second;
  auto si = std::find_if(slots.begin(), slots.end(),
                         [&](const slot& x) { return x.attempt == k.attempt; });
  if (si == slots.end())
    return;
  auto sl = *si;
  slots.erase(si);
  if (slots.empty())
    in_flight_.erase(it);
  --in_flight_count_;
  auto& g = at(sl.gw);
  --g.in_flight;
  refresh(g, now_us);
  bool was_probe = g.probe && *g.probe == k;
  switch (s) {
  case signal::ack:
    ++g.counts.acks;
    answered(g);
    on_ack_latency(g, now_us - sl.sent_us);
    break;
  case signal::busy:
    ++g.counts.busy;
    ++totals_.busy;
    answered(g);
    shrink(g, sl.sent_us, now_us);
    break;
  case signal::nack:
    ++g.counts.nacks;
    answered(g);
    break;
  case signal::silence:
    ++g.counts.silent;
    ++totals_.silent;
    shrink(g, sl.sent_us, now_us);
    if (opts_.breaker_silent_attempts > 0) {
      if (was_probe)
        trip(sl.gw, g, now_us, out);
      else if (g.breaker == breaker_state::up &&
               ++g.silent_in_row >= static_cast<uint32_t>(opts_.breaker_silent_attempts))
        trip(sl.gw, g, now_us, out);
    }
    break;
  case signal::neutral:
    if (was_probe) // ended without a verdict: the next command probes
      g.probe.reset();
    break;
  }
  drain(sl.gw, g, now_us, out);
}

void gateway_flow::forget(uint64_t command_id, int64_t now_us, std::vector<launch>& out) {
  if (auto w = waiting_index_.find(command_id); w != waiting_index_.end()) {
    auto gw = w->second.first;
    waiting_index_.erase(w);
    auto& g = at(gw);
    if (g.waiting > 0)
      --g.waiting; // its queue entry is now a tombstone
  }
  auto it = in_flight_.find(command_id);
  if (it == in_flight_.end())
    return;
  auto slots = it->second;
  for (auto& sl : slots)
    release({command_id, sl.attempt}, signal::neutral, now_us, out);
}

std::optional<gateway_stats> gateway_flow::stats_of(gw_mac gw, int64_t now_us) const {
  auto it = gateways_.find(gw);
  if (it == gateways_.end())
    return std::nullopt;
  auto& g = it->second;
  auto s = g.counts;
  s.window = g.window;
  s.in_flight = g.in_flight;
  s.waiting = g.waiting;
  s.breaker = g.breaker;
  if (g.breaker == breaker_state::down && now_us >= g.down_until_us)
    s.breaker = breaker_state::probing;
  s.silent_in_row = g.silent_in_row;
  s.down_for_ms = s.breaker == breaker_state::down ? (g.down_until_us - now_us + 999) / 1000 : 0;
  return s;
}

std::vector<gateway_stats> gateway_flow::stats(int64_t now_us) const {
  std::vector<gateway_stats> out;
  out.reserve(gateways_.size());
  for (auto& [gw, g] : gateways_)
    out.push_back(*stats_of(gw, now_us));
  std::sort(out.begin(), out.end(),
            [](const gateway_stats& a, const gateway_stats& b) { return a.gw < b.gw; });
  return out;
}

} // namespace shelfwire::flow
