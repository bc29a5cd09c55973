#include "sim/emulator/gateway_emulator.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include "runtime/core/hash.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire::sim {

namespace {

using clock = std::chrono::steady_clock;

/// An action in the radio: what to answer when its transmission ends.
struct on_air {
  gw_mac gw;
  wire::response r; ///< ACK, or the NACK the dice chose
  uint32_t delay_ms = 0;
  bool dup = false;
};

struct delayed_reply {
  clock::time_point due;
  gw_mac gw;
  wire::response r;
  bool operator>(const delayed_reply& o) const { return due > o.due; }
};

} // namespace

struct gateway_emulator::impl {
  emulator_options opts;
  metrics::registry& reg;
  metrics::counter& actions;
  metrics::counter& replies;
  metrics::counter& acks;
  metrics::counter& nacks;
  metrics::counter& dropped;
  metrics::counter& duplicates;
  metrics::counter& foreign;
  metrics::counter& malformed;
  metrics::counter& busy;
  metrics::counter& expired;
  metrics::counter& transmissions;
  metrics::gauge& peak_queue;
  metrics::gauge& peak_slots;
  /// One client for all gateways, or one per gateway (client_per_gateway).
  std::vector<std::unique_ptr<mqtt::client>> clients;
  std::unordered_map<gw_mac, mqtt::client*> client_of; ///< with client_per_gateway

  mutable std::mutex mtx; // behaviours, observations, rng
  std::unordered_map<gw_mac, gateway_behavior> behaviors;
  std::unordered_map<esl_mac, esl_observation> observed;
  std::unordered_map<esl_mac, uint32_t> in_flight;
  std::unordered_map<esl_mac, uint64_t> action_count;
  std::map<gw_mac, uint64_t> per_gateway;
  std::mt19937_64 rng;

  // timer thread for delayed answers and the radio (both under tmtx)
  mutable std::mutex tmtx;
  const clock::time_point t0 = clock::now(); ///< the radio's time 0
  std::optional<radio_model> radio;          ///< with opts.radio.slots > 0
  std::unordered_map<uint64_t, on_air> air;  ///< radio id -> its answer
  std::condition_variable tcv;
  std::priority_queue<delayed_reply, std::vector<delayed_reply>, std::greater<>> timers;
  bool stopping = false;
  std::thread timer_thread;

  // the store's ESLs (opts.esls) and advert noise
  std::mutex emtx;
  std::unordered_map<esl_mac, size_t> esl_index;
  std::mt19937_64 noise_rng;

  // periodic status
  std::mutex amtx;
  std::condition_variable acv;
  bool adv_stop = false;
  std::thread adv_thread;

  void stop_advertising() {
    {
      std::lock_guard<std::mutex> g{amtx};
      adv_stop = true;
    }
    acv.notify_all();
    if (adv_thread.joinable())
      adv_thread.join();
    adv_stop = false;
  }

  impl(emulator_options o, metrics::registry& r)
      : opts(std::move(o))
      , reg(r)
      , actions(r.get_counter("emu.actions"))
      , replies(r.get_counter("emu.replies"))
      , acks(r.get_counter("emu.acks"))
      , nacks(r.get_counter("emu.nacks"))
      , dropped(r.get_counter("emu.dropped"))
      , duplicates(r.get_counter("emu.duplicates"))
      , foreign(r.get_counter("emu.foreign"))
      , malformed(r.get_counter("emu.malformed"))
      , busy(r.get_counter("emu.busy"))
      , expired(r.get_counter("emu.expired"))
      , transmissions(r.get_counter("emu.transmissions"))
      , peak_queue(r.get_gauge("emu.peak_queue"))
      , peak_slots(r.get_gauge("emu.peak_slots"))
      , rng(opts.seed)
      , noise_rng(opts.seed ^ 0x9E3779B97F4A7C15ull) {
    for (auto gw : opts.gateways)
      behaviors[gw] = gateway_behavior{};
    if (opts.radio.enabled()) {
      auto rp = opts.radio;
      rp.seed = opts.seed;
      radio.emplace(rp);
    }
  }

  int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0).count();
  }

  clock::time_point at(int64_t radio_us) const { return t0 + std::chrono::microseconds{radio_us}; }

  /// Radio events due now (tmtx held): their answers into the timers.
  void radio_events() {
    for (auto& e : radio->advance(now_us())) {
      auto i = air.find(e.id);
      if (i == air.end())
        continue;
      auto a = std::move(i->second);
      air.erase(i);
      if (e.kind == radio_event_kind::expired) {
        a.r.ack = false;
        a.r.code = 2;
        a.dup = false;
        busy.inc();
        expired.inc();
        nacks.inc();
      } else {
        transmissions.inc();
        bool silent = false;
        {
          std::lock_guard<std::mutex> g{mtx};
          auto bi = behaviors.find(a.gw);
          silent = bi == behaviors.end() || bi->second.silent;
        }
        if (silent) {
          dropped.inc();
          continue;
        }
        (a.r.ack ? acks : nacks).inc();
      }
      auto due = at(e.at_us) + std::chrono::milliseconds{a.delay_ms};
      if (a.dup) {
        duplicates.inc();
        timers.push({due + std::chrono::milliseconds{1}, a.gw, a.r});
      }
      timers.push({due, a.gw, std::move(a.r)});
    }
  }

  /// An action into the radio: false if refused (queue full: NACK busy now).
  bool to_radio(gw_mac gw, const wire::action& act, wire::response r, uint32_t delay, bool dup) {
    {
      std::lock_guard<std::mutex> g{tmtx};
      auto adm = radio->arrive(now_us(), gw, act.esl, act.op, act.ttl_ms);
      peak_queue.set(radio->stats().peak_queue);
      peak_slots.set(radio->stats().peak_slots);
      if (!adm.busy) {
        air.emplace(adm.id, on_air{gw, std::move(r), delay, dup});
        tcv.notify_one();
        return true;
      }
    }
    busy.inc();
    nacks.inc();
    return false;
  }

  /// The connection that speaks for `gw`.
  mqtt::client& client_for(gw_mac gw) {
    auto i = client_of.find(gw);
    return i != client_of.end() ? *i->second : *clients.front();
  }

  void send_reply(gw_mac gw, const wire::response& r) {
    if (opts.record_observations) {
      std::lock_guard<std::mutex> g{mtx};
      auto i = in_flight.find(r.esl);
      if (i != in_flight.end() && i->second > 0)
        --i->second;
    }
    std::string payload;
    wire::encode(r, payload);
    if (client_for(gw).publish(wire::response_topic(opts.topic_prefix, gw), payload, 1) ==
        mqtt::publish_errc::ok)
      replies.inc();
  }

  void schedule(clock::time_point due, gw_mac gw, wire::response r) {
    {
      std::lock_guard<std::mutex> g{tmtx};
      timers.push({due, gw, std::move(r)});
    }
    tcv.notify_one();
  }

  void timer_loop() {
    std::unique_lock<std::mutex> lk{tmtx};
    while (!stopping) {
      auto radio_next = radio ? radio->next_event_us() : INT64_MAX;
      if (radio_next != INT64_MAX && at(radio_next) <= clock::now()) {
        radio_events();
        continue;
      }
      if (timers.empty() && radio_next == INT64_MAX) {
        tcv.wait(lk);
        continue;
      }
      auto due = timers.empty() ? at(radio_next) : timers.top().due;
      if (radio_next != INT64_MAX)
        due = std::min(due, at(radio_next));
      if (clock::now() < due || timers.empty() || timers.top().due > due) {
        // Not yet, or the radio's event (due meanwhile): the next round takes it.
        tcv.wait_until(lk, due);
        continue;
      }
      auto item = timers.top();
      timers.pop();
      lk.unlock();
      send_reply(item.gw, item.r);
      lk.lock();
    }
  }

  void on_action(mqtt::message&& m) {
    auto gw = wire::gateway_of_topic(opts.topic_prefix, m.topic, "action");
    if (!gw) {
      malformed.inc();
      return;
    }
    auto act = wire::decode_action(m.payload);
    if (!act) {
      malformed.inc();
      return;
    }
    actions.inc();
    gateway_behavior b;
    bool drop = false, nack = false, dup = false, late = false;
    uint32_t delay = 0;
    {
      std::lock_guard<std::mutex> g{mtx};
      auto bi = behaviors.find(*gw);
      if (bi == behaviors.end()) {
        foreign.inc();
        return;
      }
      b = bi->second;
      ++per_gateway[*gw];
      if (opts.record_observations) {
        ++action_count[act->esl];
        auto& obs = observed[act->esl];
        std::string label{wire::to_string(act->op)};
        for (auto& [k, v] : act->args)
          label += ":" + k + "=" + v;
        obs.op_order.push_back(std::move(label));
        auto& inf = in_flight[act->esl];
        ++inf;
        obs.max_in_flight = std::max(obs.max_in_flight, inf);
      }
      std::uniform_real_distribution<double> u{0, 1};
      drop = b.silent || u(rng) < b.no_reply_rate;
      nack = u(rng) < b.nack_rate;
      dup = u(rng) < b.duplicate_rate;
      late = u(rng) < b.late_rate;
      delay = b.reply_delay_ms;
      if (b.reply_jitter_ms)
        delay += static_cast<uint32_t>(rng() % (b.reply_jitter_ms + 1));
      if (late)
        delay += b.late_extra_ms;
      if (drop && opts.record_observations) {
        // A silent gateway keeps the ESL "busy" as far as concurrency goes
        // only until the command would have given up; count it as answered.
        auto i = in_flight.find(act->esl);
        if (i != in_flight.end() && i->second > 0)
          --i->second;
      }
    }
    if (drop) {
      dropped.inc();
      return;
    }
    wire::response r;
    if (!b.legacy)
      r.id = act->id;
    r.esl = act->esl;
    bool out_of_range =
        std::find(b.out_of_range.begin(), b.out_of_range.end(), act->esl) != b.out_of_range.end();
    if (radio && !out_of_range) {
      r.ack = !nack;
      r.code = nack ? b.nack_code : 0;
      r.rssi = -60;
      if (!to_radio(*gw, *act, r, delay, dup)) {
        r.ack = false;
        r.code = 2;
        send_reply(*gw, r);
      }
      return;
    }
    if (out_of_range) {
      r.ack = false;
      r.code = 1;
      nacks.inc();
    } else if (nack) {
      r.ack = false;
      r.code = b.nack_code;
      nacks.inc();
    } else {
      r.ack = true;
      r.code = 0;
      acks.inc();
    }
    r.rssi = -60;
    if (delay == 0)
      send_reply(*gw, r);
    else
      schedule(clock::now() + std::chrono::milliseconds{delay}, *gw, r);
    if (dup) {
      duplicates.inc();
      schedule(clock::now() + std::chrono::milliseconds{delay + 1}, *gw, r);
    }
  }
};

gateway_emulator::gateway_emulator(emulator_options opts, metrics::registry& reg)
    : impl_(std::make_unique<impl>(std::move(opts), reg)) {}

gateway_emulator::~gateway_emulator() {
  stop();
}

bool gateway_emulator::start() {
  auto& d = *impl_;
  if (!d.clients.empty())
    return false; // started before
  auto on_action = [this](mqtt::message&& m) { impl_->on_action(std::move(m)); };
  if (!d.opts.client_per_gateway || d.opts.gateways.empty()) {
    d.clients.push_back(std::make_unique<mqtt::client>(d.opts.mqtt, d.reg, "emu.mqtt."));
    d.clients.back()->subscribe(d.opts.topic_prefix + "/+/action", 1, on_action);
  } else {
    for (auto gw : d.opts.gateways) {
      const auto mac = gw.to_string();
      auto o = d.opts.mqtt;
      o.client_id += "-" + mac;
      o.username = mac;
      o.password = d.opts.gateway_password;
      for (auto at = o.password.find("{gw}"); at != std::string::npos;
           at = o.password.find("{gw}", at + mac.size()))
        o.password.replace(at, 4, mac);
      d.clients.push_back(std::make_unique<mqtt::client>(std::move(o), d.reg, "emu.mqtt."));
      d.clients.back()->subscribe(wire::action_topic(d.opts.topic_prefix, gw), 1, on_action);
      d.client_of[gw] = d.clients.back().get();
    }
  }
  d.timer_thread = std::thread{[this] { impl_->timer_loop(); }};
  bool ok = true;
  for (auto& c : d.clients)
    ok = c->start() && ok;
  return ok;
}

bool gateway_emulator::wait_ready(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.clients.empty())
    return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& c : d.clients) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!c->wait_ready(std::max(left, std::chrono::milliseconds{0})))
      return false;
  }
  return true;
}

void gateway_emulator::stop() {
  auto& d = *impl_;
  d.stop_advertising();
  for (auto& c : d.clients)
    c->stop();
  {
    std::lock_guard<std::mutex> g{d.tmtx};
    d.stopping = true;
  }
  d.tcv.notify_all();
  if (d.timer_thread.joinable())
    d.timer_thread.join();
}

void gateway_emulator::set_behavior(gw_mac gw, gateway_behavior b) {
  std::lock_guard<std::mutex> g{impl_->mtx};
  impl_->behaviors[gw] = std::move(b);
}

void gateway_emulator::set_behavior_all(const gateway_behavior& b) {
  std::lock_guard<std::mutex> g{impl_->mtx};
  for (auto& [gw, beh] : impl_->behaviors)
    beh = b;
}

size_t gateway_emulator::advertise_all() {
  auto& d = *impl_;
  std::map<gw_mac, std::vector<wire::advert>> by_gw;
  {
    std::lock_guard<std::mutex> g{d.emtx};
    std::normal_distribution<double> noise{0.0,
                                           d.opts.rssi_noise_db > 0 ? d.opts.rssi_noise_db : 1.0};
    for (auto& e : d.opts.esls)
      for (auto& [gw, rssi] : e.heard_by) {
        auto r = rssi;
        if (d.opts.rssi_noise_db > 0)
          r = std::clamp(static_cast<int32_t>(std::lround(rssi + noise(d.noise_rng))), -127, 20);
        by_gw[gw].push_back({e.esl, r});
      }
  }
  size_t n = 0;
  std::string payload;
  for (auto& [gw, adv] : by_gw) {
    for (size_t off = 0; off < adv.size(); off += d.opts.adverts_per_status) {
      wire::status s;
      s.gw = gw;
      s.ts_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
      auto end = std::min(adv.size(), off + d.opts.adverts_per_status);
      s.adv.assign(adv.begin() + static_cast<ptrdiff_t>(off),
                   adv.begin() + static_cast<ptrdiff_t>(end));
      wire::encode(s, payload);
      // QoS 1 here (the contract says 0) so a test's table converges for sure.
      if (d.client_for(gw).publish(wire::status_topic(d.opts.topic_prefix, gw), payload, 1) ==
          mqtt::publish_errc::ok)
        n += s.adv.size();
    }
  }
  return n;
}

void gateway_emulator::set_hearers(esl_mac esl, std::vector<std::pair<gw_mac, int32_t>> heard_by) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> g{d.emtx};
  if (d.esl_index.empty())
    for (size_t i = 0; i < d.opts.esls.size(); ++i)
      d.esl_index.emplace(d.opts.esls[i].esl, i);
  auto i = d.esl_index.find(esl);
  if (i != d.esl_index.end())
    d.opts.esls[i->second].heard_by = std::move(heard_by);
}

void gateway_emulator::advertise_every(std::chrono::milliseconds interval) {
  auto& d = *impl_;
  d.stop_advertising();
  if (interval.count() <= 0)
    return;
  d.adv_thread = std::thread{[this, interval] {
    auto& d = *impl_;
    std::unique_lock<std::mutex> lk{d.amtx};
    while (!d.adv_stop) {
      lk.unlock();
      advertise_all();
      lk.lock();
      d.acv.wait_for(lk, interval, [&] { return d.adv_stop; });
    }
  }};
}

bool gateway_emulator::publish_raw(const std::string& topic, const std::string& payload, int qos) {
  auto& d = *impl_;
  return !d.clients.empty() &&
         d.clients.front()->publish(topic, payload, qos) == mqtt::publish_errc::ok;
}

bool gateway_emulator::publish_response(gw_mac gw, const wire::response& r) {
  std::string payload;
  wire::encode(r, payload);
  auto& d = *impl_;
  return !d.clients.empty() &&
         d.client_for(gw).publish(wire::response_topic(d.opts.topic_prefix, gw), payload, 1) ==
             mqtt::publish_errc::ok;
}

uint64_t gateway_emulator::actions_for(esl_mac esl) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->action_count.find(esl);
  return i == impl_->action_count.end() ? 0 : i->second;
}

std::map<gw_mac, uint64_t> gateway_emulator::actions_per_gateway() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return impl_->per_gateway;
}

esl_observation gateway_emulator::observation(esl_mac esl) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->observed.find(esl);
  return i == impl_->observed.end() ? esl_observation{} : i->second;
}

uint32_t gateway_emulator::max_esl_concurrency() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  uint32_t m = 0;
  for (auto& [esl, obs] : impl_->observed)
    m = std::max(m, obs.max_in_flight);
  return m;
}

emulator_options gateway_emulator::simple_store(size_t gateways, size_t esls, size_t extra_hearers,
                                                uint64_t seed) {
  emulator_options o;
  o.seed = seed;
  for (size_t g = 0; g < gateways; ++g)
    o.gateways.push_back(gw_mac::from_u64(0xAA0000000000ull + g));
  std::mt19937_64 rng{seed};
  for (size_t i = 0; i < esls; ++i) {
    emulated_esl e;
    e.esl = esl_mac::from_u64(0xE50000000000ull + i);
    auto home = i % gateways;
    e.heard_by.emplace_back(o.gateways[home], -40 - static_cast<int32_t>(rng() % 10));
    for (size_t k = 1; k <= extra_hearers && k < gateways; ++k)
      e.heard_by.emplace_back(o.gateways[(home + k) % gateways],
                              -60 - static_cast<int32_t>(k * 5) - static_cast<int32_t>(rng() % 5));
    o.esls.push_back(std::move(e));
  }
  return o;
}

} // namespace shelfwire::sim

namespace shelfwire::sim {
const emulator_options& gateway_emulator::options() const {
  return impl_->opts;
}

radio_stats gateway_emulator::radio_counters() const {
  std::lock_guard<std::mutex> g{impl_->tmtx};
  return impl_->radio ? impl_->radio->stats() : radio_stats{};
}

int64_t gateway_emulator::radio_now_us() const {
  return impl_->now_us();
}

int64_t gateway_emulator::radio_next_wake_us(esl_mac esl, int64_t t_us) const {
  std::lock_guard<std::mutex> g{impl_->tmtx};
  return impl_->radio ? impl_->radio->next_wake_us(esl, t_us) : t_us;
}
} // namespace shelfwire::sim
