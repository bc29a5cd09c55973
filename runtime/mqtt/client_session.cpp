// The client's connection events and state: after a CONNACK re-apply
// TCP_NODELAY and re-subscribe everything, go up on the SUBACK, go down when
// the link is lost, dispatch arriving messages to the subscriptions, and tell
// the observers. Runs on paho's threads, inside the gate (set_state and
// notify also on the timer thread and in stop()).

#include <cstring>
#include <exception>
#include <utility>

#include "runtime/core/clock.hpp"
#include "runtime/mqtt/client_impl.hpp"
#include "runtime/mqtt/detail/paho_util.hpp"

namespace shelfwire::mqtt {

// ---- state ---------------------------------------------------------------

void client::impl::notify(link_state s) {
  observers.for_each([&](const std::function<void(link_state)>& f) {
    try {
      f(s);
    } catch (const std::exception& e) {
      log->error("link state observer threw: {}", e.what());
    } catch (...) {
      log->error("link state observer threw");
    }
  });
}

void client::impl::set_state(link_state s) {
  {
    std::lock_guard<std::mutex> lk{mtx};
    if (stopping.load() || state.load() == s)
      return;
    state.store(s);
    up_gauge.set(s == link_state::up ? 1 : 0);
  }
  cv.notify_all();
  notify(s);
}

void client::impl::go_up(uint64_t gen, size_t subscriptions) {
  bool again;
  {
    std::lock_guard<std::mutex> lk{mtx};
    if (stopping.load() || gen != conn_gen || !session_live || state.load() == link_state::up)
      return;
    state.store(link_state::up);
    up_gauge.set(1);
    again = gen > 1;
  }
  announce_birth(); // before anyone learns that we are up
  cv.notify_all();
  log->info("{} {} as '{}' ({} subscription{}, TCP_NODELAY {})",
            again ? "reconnected to" : "up: connected to", opts.url, opts.client_id, subscriptions,
            subscriptions == 1 ? "" : "s", opts.tcp_nodelay ? "on" : "off");
  notify(link_state::up);
}

void client::impl::announce_birth() {
  if (!opts.birth)
    return;
  announcement a;
  try {
    a = opts.birth();
  } catch (const std::exception& e) {
    log->error("birth message: {}", e.what());
    return;
  }
  if (a.topic.empty())
    return;
  auto rc = publish(a.topic, a.payload, a.qos, a.retained);
  if (rc != publish_errc::ok)
    log->warn("birth message to '{}' not published: {}", a.topic, to_string(rc));
}

// ---- connection events (paho threads, inside the gate) -------------------

void client::impl::apply_nodelay() {
  std::lock_guard<std::mutex> lk{peers_mtx};
  if (peers.empty()) {
    std::string err;
    peers = detail::resolve(*url, err);
    if (peers.empty()) {
      log->warn("TCP_NODELAY not set: cannot resolve {}: {}", url->host, err);
      return;
    }
  }
  int n = detail::set_nodelay_for_peers(peers);
  if (n < 0)
    log->warn("TCP_NODELAY not set: /proc/self/fd is not readable");
  else if (n == 0)
    log->warn("TCP_NODELAY not set: no socket to {} found", opts.url);
}

void client::impl::connected() {
  int failed_before;
  {
    std::lock_guard<std::mutex> lk{timer_mtx};
    backoff_ms = opts.reconnect_min_ms;
    failed_before = failures;
    failures = 0;
  }
  log->debug("connected to {} after {} failed attempt(s)", opts.url, failed_before);
  connects.inc();
  if (opts.tcp_nodelay)
    apply_nodelay();

  auto* req = new sub_request{this, 0, false, {}};
  std::vector<int> qos;
  bool again;
  {
    std::lock_guard<std::mutex> lk{mtx};
    req->gen = ++conn_gen;
    session_live = true;
    pending_late = 0;
    again = ever_connected;
    ever_connected = true;
    subs.for_each([&](const subscription& s) {
      req->filters.push_back(s.filter);
      qos.push_back(s.qos);
    });
  }
  if (again)
    reconnects.inc();
  const uint64_t gen = req->gen;
  const size_t n = req->filters.size();
  if (n == 0) {
    delete req;
    go_up(gen, 0);
    return;
  }
  std::vector<char*> topics;
  topics.reserve(n);
  for (auto& f : req->filters)
    topics.push_back(f.data());
  MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
  ro.onSuccess5 = &on_subscribe_success;
  ro.onFailure5 = &on_subscribe_failure;
  ro.context = req;
  int rc = MQTTAsync_subscribeMany(handle, static_cast<int>(n), topics.data(), qos.data(), &ro);
  if (rc != MQTTASYNC_SUCCESS) {
    delete req;
    // Most likely the link broke again; connectionLost brings us back.
    log->warn("re-subscribing {} filter(s) on {} failed: {}", n, opts.url, detail::paho_error(rc));
  }
}

void client::impl::lost(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lk{mtx};
    if (!session_live)
      return; // already handled (connectionLost and disconnected can both fire)
    session_live = false;
    pending_late = 0;
  }
  log->warn("link to {} lost: {}", opts.url, reason);
  set_state(link_state::down);
  schedule_reconnect();
}

void client::impl::subscribed(const sub_request& req) {
  if (!req.late) {
    go_up(req.gen, req.filters.size());
    return;
  }
  {
    std::lock_guard<std::mutex> lk{mtx};
    if (req.gen == conn_gen && pending_late > 0)
      --pending_late;
  }
  cv.notify_all();
}

void client::impl::deliver(const char* topic, int topic_len, const MQTTAsync_message* m) {
  received.inc();
  std::string_view t{topic, topic_len > 0 ? static_cast<size_t>(topic_len) : std::strlen(topic)};
  const subscription* sub =
      subs.find([&](const subscription& s) { return topic_matches(s.filter, t); });
  if (sub == nullptr) {
    unmatched.inc();
    return;
  }
  message msg;
  msg.topic.assign(t.data(), t.size());
  if (m->payloadlen > 0)
    msg.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  msg.qos = m->qos;
  msg.duplicate = m->dup != 0;
  msg.retained = m->retained != 0;
  try {
    sub->handler(std::move(msg));
  } catch (const std::exception& e) {
    uint64_t skipped = 0;
    if (handler_throttle.allow(steady_now_us(), skipped))
      log->error("handler of '{}' threw: {} ({} more suppressed)", sub->filter, e.what(), skipped);
  } catch (...) {
    uint64_t skipped = 0;
    if (handler_throttle.allow(steady_now_us(), skipped))
      log->error("handler of '{}' threw ({} more suppressed)", sub->filter, skipped);
  }
}

void client::impl::disconnect_done() {
  {
    std::lock_guard<std::mutex> lk{mtx};
    disc_done = true;
  }
  cv.notify_all();
}

} // namespace shelfwire::mqtt
