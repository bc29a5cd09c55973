// client's public methods (client.hpp) and the enums' names. publish() runs
// on any thread; the others on the caller's (see README.md, Threads).

#include "runtime/mqtt/client.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "runtime/core/clock.hpp"
#include "runtime/mqtt/client_impl.hpp"
#include "runtime/mqtt/detail/paho_util.hpp"

namespace shelfwire::mqtt {

std::string_view to_string(link_state s) {
  switch (s) {
  case link_state::idle:
    return "idle";
  case link_state::connecting:
    return "connecting";
  case link_state::up:
    return "up";
  case link_state::down:
    return "down";
  case link_state::stopped:
    return "stopped";
  }
  return "unknown";
}

std::string_view to_string(publish_errc e) {
  switch (e) {
  case publish_errc::ok:
    return "ok";
  case publish_errc::disconnected:
    return "disconnected";
  case publish_errc::bad_topic:
    return "bad_topic";
  case publish_errc::too_large:
    return "too_large";
  case publish_errc::failed:
    return "failed";
  }
  return "unknown";
}

client::client(client_options opts, metrics::registry& reg, std::string metric_prefix)
    : impl_(std::make_unique<impl>(std::move(opts), reg, metric_prefix)) {}

client::~client() {
  if (!impl_)
    return;
  if (impl_->on_callback_thread()) {
    // paho forbids MQTTAsync_destroy inside its callbacks, and the timer
    // thread cannot join itself: finish on a helper thread.
    impl* raw = impl_.release();
    raw->log->warn("client '{}' destroyed from its own callback; finishing on a helper thread",
                   raw->opts.client_id);
    try {
      std::thread([raw] { delete raw; }).detach();
    } catch (...) {
      raw->stop(false); // cannot destroy safely here: leak the handle rather than deadlock
    }
    return;
  }
  impl_.reset();
}

void client::subscribe(std::string filter, int qos, message_handler handler) {
  auto& d = *impl_;
  if (filter.empty() || !handler) {
    d.log->error("subscribe: {} ignored", filter.empty() ? "empty filter" : "empty handler");
    return;
  }
  if (qos < 0 || qos > 2) {
    d.log->error("subscribe '{}': QoS {} clamped to 0..2", filter, qos);
    qos = std::clamp(qos, 0, 2);
  }
  uint64_t gen = 0;
  bool live;
  try {
    std::lock_guard<std::mutex> lk{d.mtx};
    d.subs.push(impl::subscription{filter, qos, std::move(handler)});
    live = d.session_live && !d.stopping.load();
    gen = d.conn_gen;
    if (live)
      ++d.pending_late;
  } catch (const std::exception& e) {
    d.log->error("subscribe '{}': {}", filter, e.what());
    return;
  }
  if (!live)
    return; // subscribed with all others on the next (re)connect
  auto* req = new impl::sub_request{&d, gen, true, {filter}};
  MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
  ro.onSuccess5 = &impl::on_subscribe_success;
  ro.onFailure5 = &impl::on_subscribe_failure;
  ro.context = req;
  int rc = MQTTAsync_subscribe(d.handle, filter.c_str(), qos, &ro);
  if (rc != MQTTASYNC_SUCCESS) {
    d.log->debug("subscribe '{}' deferred to the next connect: {}", filter, detail::paho_error(rc));
    d.subscribed(*req);
    delete req;
  }
}

void client::on_state_change(std::function<void(link_state)> f) {
  if (!f)
    return;
  try {
    impl_->observers.push(std::move(f));
  } catch (const std::exception& e) {
    impl_->log->error("on_state_change: {}", e.what());
  }
}

bool client::start() {
  try {
    return impl_->start();
  } catch (const std::exception& e) {
    impl_->log->error("mqtt start: {}", e.what());
    return false;
  }
}

size_t client::pending() const {
  auto& d = *impl_;
  if (d.handle == nullptr || d.state.load(std::memory_order_acquire) != link_state::up)
    return 0;
  MQTTAsync_token* tokens = nullptr;
  if (MQTTAsync_getPendingTokens(d.handle, &tokens) != MQTTASYNC_SUCCESS || tokens == nullptr)
    return 0;
  size_t n = 0;
  while (tokens[n] != -1)
    ++n;
  MQTTAsync_free(tokens);
  return n;
}

bool client::wait_sent(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending() > 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

publish_errc client::publish(std::string_view topic, std::string_view payload, int qos,
                             bool retain) {
  return impl_->publish(topic, payload, qos, retain);
}

publish_errc client::impl::publish(std::string_view topic, std::string_view payload, int qos,
                                   bool retain) {
  auto& d = *this;
  auto fail = [&](publish_errc e) {
    d.publish_failed.inc();
    return e;
  };
  if (topic.empty() || topic.find_first_of(std::string_view{"+#\0", 3}) != std::string_view::npos)
    return fail(publish_errc::bad_topic);
  if (payload.size() > detail::max_payload)
    return fail(publish_errc::too_large);
  if (qos < 0 || qos > 2)
    return fail(publish_errc::failed);
  if (d.state.load(std::memory_order_acquire) != link_state::up)
    return fail(publish_errc::disconnected);

  // paho copies topic and payload; the topic needs a terminating NUL.
  thread_local std::string topic_buf;
  static char empty_payload = 0;
  try {
    topic_buf.assign(topic.data(), topic.size());
  } catch (...) {
    return fail(publish_errc::failed);
  }
  MQTTAsync_message msg = MQTTAsync_message_initializer;
  msg.payload = payload.empty() ? &empty_payload : const_cast<char*>(payload.data());
  msg.payloadlen = static_cast<int>(payload.size());
  msg.qos = qos;
  msg.retained = retain ? 1 : 0;
  MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
  if (qos > 0 && d.opts.track_delivery) {
    ro.onSuccess5 = &on_delivered;
    ro.context = &d;
  }
  int rc = MQTTAsync_sendMessage(d.handle, topic_buf.c_str(), &msg, &ro);
  if (rc == MQTTASYNC_SUCCESS) {
    d.published.inc();
    return publish_errc::ok;
  }
  if (rc == MQTTASYNC_DISCONNECTED)
    return fail(publish_errc::disconnected);
  if (rc == MQTTASYNC_BAD_UTF8_STRING)
    return fail(publish_errc::bad_topic);
  uint64_t skipped = 0;
  if (d.publish_throttle.allow(steady_now_us(), skipped))
    d.log->warn("publish to '{}' refused by paho: {} ({} more suppressed)", topic_buf,
                detail::paho_error(rc), skipped);
  return fail(publish_errc::failed);
}

bool client::wait_ready(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  auto ready = [&] { return d.state.load() == link_state::up && d.pending_late == 0; };
  std::unique_lock<std::mutex> lk{d.mtx};
  d.cv.wait_for(lk, timeout, [&] { return ready() || d.stop_done; });
  return ready();
}

link_state client::state() const {
  return impl_->state.load();
}

void client::stop() {
  try {
    impl_->stop();
  } catch (const std::exception& e) {
    impl_->log->error("mqtt stop: {}", e.what());
  }
}

const client_options& client::options() const {
  return impl_->opts;
}

} // namespace shelfwire::mqtt
