#include "sim/emulator/radio_model.hpp"

#include <algorithm>
#include <climits>

#include "runtime/core/hash.hpp"

namespace shelfwire::sim {

const tx_range& radio_params::tx_of(wire::op_kind op) const {
  switch (op) {
  case wire::op_kind::price:
    return tx_price;
  case wire::op_kind::image:
    return tx_image;
  case wire::op_kind::blink:
  case wire::op_kind::ping:
    return tx_short;
  default:
    return tx_default;
  }
}

double radio_params::mean_tx_us(wire::op_kind op) const {
  return tx_of(op).mean_ms() * 1000.0 / std::max<uint32_t>(compression, 1);
}

radio_model::radio_model(radio_params p)
    : p_(p)
    , rng_(p.seed ^ 0x5EEDu) {
  p_.compression = std::max<uint32_t>(p_.compression, 1);
}

int64_t radio_model::next_wake_us(esl_mac esl, int64_t t_us) const {
  if (p_.checkin_interval_ms == 0)
    return t_us;
  const int64_t interval =
      std::max<int64_t>(1, int64_t{p_.checkin_interval_ms} * 1000 / p_.compression);
  const auto phase =
      static_cast<int64_t>(mix64(esl.value() ^ mix64(p_.seed)) % static_cast<uint64_t>(interval));
  // The first phase + k * interval >= t_us (floor division for t_us < phase).
  auto d = t_us - phase;
  auto k = d >= 0 ? (d + interval - 1) / interval : -((-d) / interval);
  return phase + k * interval;
}

int64_t radio_model::draw_tx_us(wire::op_kind op) {
  const auto& r = p_.tx_of(op);
  const auto lo = int64_t{std::min(r.min_ms, r.max_ms)} * 1000;
  const auto hi = int64_t{std::max(r.min_ms, r.max_ms)} * 1000;
  const auto us = lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  return std::max<int64_t>(1, us / p_.compression);
}

radio_admission radio_model::arrive(int64_t now_us, gw_mac gw, esl_mac esl, wire::op_kind op,
                                    uint32_t ttl_ms) {
  now_us = std::max(now_us, last_now_us_);
  last_now_us_ = now_us;
  auto& g = gateways_[gw];
  settle(gw, g, now_us);
  action a;
  a.id = next_id_++;
  a.ready_us = next_wake_us(esl, now_us);
  a.deadline_us = ttl_ms ? now_us + int64_t{ttl_ms} * 1000 : INT64_MAX;
  a.tx_us = draw_tx_us(op);
  g.pending.push_back(a);
  start_ready(g);
  if (g.pending.size() > p_.queue_max) {
    // It did not start (a started action leaves the queue), so it is the last.
    g.pending.pop_back();
    ++stats_.busy;
    return {true, 0};
  }
  stats_.peak_queue = std::max(stats_.peak_queue, static_cast<uint32_t>(g.pending.size()));
  return {false, a.id};
}

void radio_model::start_ready(gateway& g) {
  for (auto it = g.pending.begin(); it != g.pending.end() && g.running.size() < p_.slots;) {
    if (it->ready_us <= g.clock_us && g.clock_us + it->tx_us <= it->deadline_us) {
      g.running.emplace_back(g.clock_us + it->tx_us, it->id);
      it = g.pending.erase(it);
    } else {
      ++it;
    }
  }
  stats_.peak_slots = std::max(stats_.peak_slots, static_cast<uint32_t>(g.running.size()));
}

int64_t radio_model::next_event_of(const gateway& g) const {
  int64_t next = INT64_MAX;
  for (auto& [end, id] : g.running)
    next = std::min(next, end);
  for (auto& a : g.pending) {
    if (a.ready_us > g.clock_us)
      next = std::min(next, a.ready_us);
    next = std::min(next, a.deadline_us);
  }
  return next;
}

void radio_model::settle(gw_mac mac, gateway& g, int64_t now_us) {
  if (g.clock_us == INT64_MIN)
    g.clock_us = now_us; // a gateway's first action
  for (;;) {
    start_ready(g);
    auto next = next_event_of(g);
    if (next > now_us)
      break;
    g.clock_us = std::max(g.clock_us, next);
    for (auto it = g.running.begin(); it != g.running.end();) {
      if (it->first <= g.clock_us) {
        out_.push_back({it->first, it->second, mac, radio_event_kind::done});
        ++stats_.transmissions;
        it = g.running.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = g.pending.begin(); it != g.pending.end();) {
      if (it->deadline_us <= g.clock_us) {
        out_.push_back({it->deadline_us, it->id, mac, radio_event_kind::expired});
        ++stats_.expired;
        it = g.pending.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Nothing changes between events: the gateway is settled up to now.
  g.clock_us = std::max(g.clock_us, now_us);
}

std::vector<radio_event> radio_model::advance(int64_t now_us) {
  now_us = std::max(now_us, last_now_us_);
  last_now_us_ = now_us;
  for (auto& [mac, g] : gateways_)
    settle(mac, g, now_us);
  std::sort(out_.begin(), out_.end(), [](const radio_event& a, const radio_event& b) {
    return a.at_us != b.at_us ? a.at_us < b.at_us : a.id < b.id;
  });
  std::vector<radio_event> out;
  out.swap(out_);
  return out;
}

int64_t radio_model::next_event_us() const {
  if (!out_.empty())
    return last_now_us_;
  int64_t next = INT64_MAX;
  for (auto& [mac, g] : gateways_)
    next = std::min(next, next_event_of(g));
  return next;
}

uint32_t radio_model::queued(gw_mac gw) const {
  auto i = gateways_.find(gw);
  return i == gateways_.end() ? 0 : static_cast<uint32_t>(i->second.pending.size());
}

uint32_t radio_model::transmitting(gw_mac gw) const {
  auto i = gateways_.find(gw);
  return i == gateways_.end() ? 0 : static_cast<uint32_t>(i->second.running.size());
}

} // namespace shelfwire::sim
