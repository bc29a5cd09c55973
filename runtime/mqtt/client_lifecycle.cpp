// The client's lifecycle: building the impl, start() (create the paho handle,
// start the reconnect timer), stop() (close the gate, disconnect, bounded)
// and shutdown() (destroy the handle). Runs on the caller's thread; stop()
// may also run on a paho thread or the timer thread (from a callback).

#include <algorithm>
#include <exception>
#include <utility>

#include "runtime/core/thread_name.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/client_impl.hpp"
#include "runtime/mqtt/detail/paho_util.hpp"
#include "runtime/mqtt/receive_waker.hpp"

namespace shelfwire::mqtt {

using detail::paho_error;

client::impl::impl(client_options o, metrics::registry& reg, const std::string& prefix)
    : opts(std::move(o))
    , published(reg.get_counter(prefix + "published"))
    , publish_failed(reg.get_counter(prefix + "publish_failed"))
    , received(reg.get_counter(prefix + "received"))
    , unmatched(reg.get_counter(prefix + "unmatched"))
    , connects(reg.get_counter(prefix + "connects"))
    , reconnects(reg.get_counter(prefix + "reconnects"))
    , delivery_complete(reg.get_counter(prefix + "delivery_complete"))
    , up_gauge(reg.get_gauge(prefix + "up"))
    , log(shelfwire::log::get("mqtt")) {
  opts.reconnect_min_ms = std::max(1, opts.reconnect_min_ms);
  opts.reconnect_max_ms = std::max(opts.reconnect_min_ms, opts.reconnect_max_ms);
  opts.max_inflight = std::clamp(opts.max_inflight, 1, 65535);
  opts.keepalive_s = std::max(0, opts.keepalive_s);
  opts.connect_timeout_ms = std::max(1, opts.connect_timeout_ms);
  opts.will.qos = std::clamp(opts.will.qos, 0, 2);
  backoff_ms = opts.reconnect_min_ms;
  rng.seed(static_cast<unsigned>(steady::now().time_since_epoch().count()) ^
           static_cast<unsigned>(reinterpret_cast<uintptr_t>(this)));
}

bool client::impl::start() {
  std::lock_guard<std::mutex> life{life_mtx};
  if (stopping.load())
    return false;
  if (start_attempted)
    return start_ok;
  start_attempted = true;
  url = detail::parse_broker_url(opts.url);
  if (!url) {
    log->error("mqtt url: expected tcp://host:port or ssl://host:port, got '{}'", opts.url);
    return false;
  }
  if (auto problem = check_tls_options(opts); !problem.empty()) {
    log->error("{}", problem);
    return false;
  }
  if (opts.client_id.empty()) {
    log->error("mqtt client id must not be empty ({})", opts.url);
    return false;
  }
  if (opts.will.topic.find_first_of("+#") != std::string::npos ||
      opts.will.payload.size() > detail::max_payload) {
    log->error("mqtt will: topic '{}' has a wildcard or its payload is too large", opts.will.topic);
    return false;
  }
  {
    std::string err;
    std::lock_guard<std::mutex> lk{peers_mtx};
    peers = detail::resolve(*url, err);
    if (peers.empty())
      log->warn("cannot resolve {} yet ({}); will retry after connecting", url->host, err);
  }

  MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
  co.sendWhileDisconnected = 0;
  co.maxBufferedMessages = detail::max_buffered_messages;
  co.MQTTVersion = MQTTVERSION_5;
  co.deleteOldestMessages = 0;
  co.restoreMessages = 0;
  co.persistQoS0 = 0;
  int rc = MQTTAsync_createWithOptions(&handle, opts.url.c_str(), opts.client_id.c_str(),
                                       MQTTCLIENT_PERSISTENCE_NONE, nullptr, &co);
  if (rc != MQTTASYNC_SUCCESS) {
    handle = nullptr;
    log->error("cannot create MQTT client for {}: {}", opts.url, paho_error(rc));
    return false;
  }
  rc = MQTTAsync_setCallbacks(handle, this, &on_connection_lost, &on_message, nullptr);
  if (rc == MQTTASYNC_SUCCESS)
    rc = MQTTAsync_setDisconnected(handle, this, &on_disconnected);
  if (rc != MQTTASYNC_SUCCESS) {
    log->error("cannot set MQTT callbacks: {}", paho_error(rc));
    return false;
  }

  conn_opts = MQTTAsync_connectOptions_initializer5;
  conn_opts.keepAliveInterval = opts.keepalive_s;
  conn_opts.cleansession = 0;
  conn_opts.cleanstart = 1;
  conn_opts.maxInflight = opts.max_inflight;
  // paho takes whole seconds here.
  conn_opts.connectTimeout = (opts.connect_timeout_ms + 999) / 1000;
  conn_opts.retryInterval = 0;
  conn_opts.automaticReconnect = 0;
  conn_opts.MQTTVersion = MQTTVERSION_5;
  if (!opts.username.empty())
    conn_opts.username = opts.username.c_str();
  if (!opts.password.empty())
    conn_opts.password = opts.password.c_str();
  if (url->tls) {
    ssl_opts = MQTTAsync_SSLOptions_initializer;
    ssl_opts.trustStore = opts.tls_ca.empty() ? nullptr : opts.tls_ca.c_str();
    ssl_opts.keyStore = opts.tls_certificate.empty() ? nullptr : opts.tls_certificate.c_str();
    ssl_opts.privateKey = opts.tls_key.empty() ? nullptr : opts.tls_key.c_str();
    ssl_opts.privateKeyPassword =
        opts.tls_key_password.empty() ? nullptr : opts.tls_key_password.c_str();
    ssl_opts.enableServerCertAuth = 1; // always: the chain and its validity
    // paho 1.3.12 with OpenSSL >= 1.1 ignores sslVersion (TLS_client_method);
    // the floor is OpenSSL's (Debian: TLS 1.2) and the broker's tls_version.
    ssl_opts.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
    ssl_opts.verify = opts.tls_verify_host ? 1 : 0;
    ssl_opts.ssl_error_cb = &on_ssl_error;
    ssl_opts.ssl_error_context = this;
    conn_opts.ssl = &ssl_opts;
  }
  if (!opts.will.topic.empty()) {
    // paho copies topic and payload into every CONNECT it sends.
    will_opts = MQTTAsync_willOptions_initializer;
    will_opts.topicName = opts.will.topic.c_str();
    will_opts.message = nullptr; // binary payload below
    will_opts.payload.data = opts.will.payload.data();
    will_opts.payload.len = static_cast<int>(opts.will.payload.size());
    will_opts.qos = opts.will.qos;
    will_opts.retained = opts.will.retained ? 1 : 0;
    conn_opts.will = &will_opts;
  }
  conn_opts.onSuccess5 = &on_connect_success;
  conn_opts.onFailure5 = &on_connect_failure;
  conn_opts.context = this;

  try {
    timer = std::thread([this] {
      name_this_thread("sw.mqtt-timer");
      timer_loop();
    });
  } catch (const std::exception& e) {
    log->error("cannot start the MQTT reconnect thread: {}", e.what());
    return false;
  }
  timer_id = timer.get_id();
  detail::receive_waker::instance().add(this, handle, &state);
  schedule_connect(std::chrono::milliseconds{0});
  start_ok = true;
  return true;
}

void client::impl::stop(bool report) {
  const bool on_paho = detail::tl_callback_depth > 0;
  const bool own_callback = detail::tl_callback_owner == this;
  bool on_timer;
  bool first;
  {
    std::lock_guard<std::mutex> life{life_mtx}; // start() has finished or not begun
    on_timer = std::this_thread::get_id() == timer_id;
    first = !stopping.exchange(true);
  }
  if (!first) {
    // Someone else is stopping; wait for them unless that would deadlock.
    if (on_paho || on_timer)
      return;
    std::unique_lock<std::mutex> lk{mtx};
    cv.wait(lk, [&] { return stop_done; });
    return;
  }

  gate.close();
  {
    std::lock_guard<std::mutex> lk{timer_mtx};
    timer_stop = true;
    next_connect.reset();
  }
  timer_cv.notify_all();
  // The timer thread may be waiting for paho's mutex, which a paho thread
  // holds while it runs our callback: join later (shutdown) in that case.
  if (timer.joinable() && !on_timer && !on_paho)
    timer.join();
  gate.drain(own_callback ? 1 : 0);

  bool disconnecting = false;
  if (handle != nullptr) {
    {
      std::lock_guard<std::mutex> lk{mtx};
      disc_done = false;
    }
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;
    d.timeout = detail::disconnect_flush_ms;
    d.onSuccess5 = &on_disconnect_success;
    d.onFailure5 = &on_disconnect_failure;
    d.context = this;
    disconnecting = MQTTAsync_disconnect(handle, &d) == MQTTASYNC_SUCCESS;
  }
  // Completion needs paho's threads: never wait on one of them.
  if (disconnecting && !on_paho) {
    std::unique_lock<std::mutex> lk{mtx};
    if (!cv.wait_for(lk, detail::disconnect_wait, [&] { return disc_done; }))
      log->warn("disconnect from {} did not complete in {} ms; closing anyway", opts.url,
                detail::disconnect_wait.count());
  }

  link_state old;
  {
    std::lock_guard<std::mutex> lk{mtx};
    old = state.exchange(link_state::stopped);
    up_gauge.set(0);
    session_live = false;
    stop_done = true;
  }
  cv.notify_all();
  if (old != link_state::stopped) {
    if (start_attempted)
      log->info("stopped ({} as '{}')", opts.url, opts.client_id);
    if (report)
      notify(link_state::stopped);
  }
}

void client::impl::shutdown() {
  stop(false);
  if (timer.joinable())
    timer.join();
  detail::receive_waker::instance().remove(this); // no-op if start() never added us
  if (handle != nullptr) {
    MQTTAsync_destroy(&handle);
    handle = nullptr;
  }
}

bool client::impl::on_callback_thread() const {
  return detail::tl_callback_depth > 0 || std::this_thread::get_id() == timer_id;
}

} // namespace shelfwire::mqtt
