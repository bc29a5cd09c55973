#include "runtime/mqtt/client.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <MQTTAsync.h>
#include <MQTTProperties.h>
#include <MQTTReasonCodes.h>
#include <spdlog/logger.h>

#include "runtime/log/log.hpp"
#include "runtime/mqtt/receive_waker.hpp"
#include "runtime/mqtt/tcp_nodelay.hpp"

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

bool topic_matches(std::string_view filter, std::string_view topic) {
  constexpr std::string_view share = "$share/";
  if (filter.substr(0, share.size()) == share) {
    auto slash = filter.find('/', share.size());
    if (slash == share.size() || slash == std::string_view::npos)
      return false; // empty group or no filter after the group
    filter.remove_prefix(slash + 1);
  }
  if (filter.empty() || topic.empty())
    return false;
  // Wildcards in the first level never match topics starting with '$' ($SYS/...).
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#'))
    return false;
  size_t fi = 0;
  size_t ti = 0;
  for (;;) {
    auto fe = filter.find('/', fi);
    auto flevel =
        filter.substr(fi, fe == std::string_view::npos ? std::string_view::npos : fe - fi);
    if (flevel == "#")
      return fe == std::string_view::npos; // '#' must be the last level
    auto te = topic.find('/', ti);
    auto tlevel = topic.substr(ti, te == std::string_view::npos ? std::string_view::npos : te - ti);
    if (flevel != "+" && flevel != tlevel)
      return false;
    const bool flast = fe == std::string_view::npos;
    const bool tlast = te == std::string_view::npos;
    if (flast && tlast)
      return true;
    if (tlast) // "a/#" matches "a": the parent level
      return filter.substr(fe + 1) == "#";
    if (flast)
      return false;
    fi = fe + 1;
    ti = te + 1;
  }
}

namespace {

using steady = std::chrono::steady_clock;

/// The MQTT limit on a packet's remaining length; we apply it to the payload.
constexpr size_t max_payload = 268435455;
/// paho's limit of queued (not yet written) messages per client. It applies
/// while connected too; QoS 1 is capped earlier by the 65535 message ids.
constexpr int max_buffered_messages = 1 << 20;
/// stop(): time paho may spend finishing in-flight QoS 1 exchanges before it
/// sends DISCONNECT (none: paho checks it only once a second, and a clean
/// start discards the session anyway), and how long stop() waits for the
/// DISCONNECT to be written.
constexpr int disconnect_flush_ms = 0;
constexpr std::chrono::milliseconds disconnect_wait{1500};
/// While a connect is under way, how often the client asks another client of
/// the process to wake paho's receive thread (see receive_waker.hpp): first
/// after `wake_first`, then at doubling intervals up to `wake_max` (a broker
/// that does not answer should not cost another broker 200 messages/s).
constexpr std::chrono::milliseconds wake_first{5};
constexpr std::chrono::milliseconds wake_max{250};

/// Depth of our callbacks on this thread (any client), and the client whose
/// callback runs innermost. Used to tell "called from a paho thread".
thread_local int tl_callback_depth = 0;
thread_local const void* tl_callback_owner = nullptr;

struct callback_scope {
  const void* prev;
  explicit callback_scope(const void* owner)
      : prev(tl_callback_owner) {
    ++tl_callback_depth;
    tl_callback_owner = owner;
  }
  ~callback_scope() {
    --tl_callback_depth;
    tl_callback_owner = prev;
  }
  callback_scope(const callback_scope&) = delete;
  callback_scope& operator=(const callback_scope&) = delete;
};

/// Admits callbacks until closed; close + drain guarantees that none runs
/// afterwards. Lock-free on the callback side (two atomic RMWs).
class callback_gate {
public:
  bool enter() noexcept {
    active_.fetch_add(1);
    if (closed_.load()) {
      active_.fetch_sub(1);
      return false;
    }
    return true;
  }
  void leave() noexcept { active_.fetch_sub(1); }
  void close() noexcept { closed_.store(true); }
  /// Waits until at most `own` callbacks are active (own = 1 when the caller
  /// is itself inside one). Callbacks are short, so a polite spin suffices.
  void drain(int own) const noexcept {
    while (active_.load() > own)
      std::this_thread::sleep_for(std::chrono::microseconds{50});
  }

private:
  std::atomic<int> active_{0};
  std::atomic<bool> closed_{false};
};

class gate_pass {
public:
  explicit gate_pass(callback_gate& g)
      : gate_(g)
      , ok_(g.enter()) {}
  ~gate_pass() {
    if (ok_)
      gate_.leave();
  }
  explicit operator bool() const { return ok_; }
  gate_pass(const gate_pass&) = delete;
  gate_pass& operator=(const gate_pass&) = delete;

private:
  callback_gate& gate_;
  bool ok_;
};

/// A singly linked list that only grows. Readers traverse it without locks
/// (acquire loads), writers append under a mutex. Nodes live until the list
/// dies, so references handed out stay valid.
template <class T>
class append_list {
  struct node {
    explicit node(T v)
        : value(std::move(v)) {}
    T value;
    std::atomic<node*> next{nullptr};
  };

public:
  append_list() = default;
  append_list(const append_list&) = delete;
  append_list& operator=(const append_list&) = delete;
  ~append_list() {
    node* n = head_.load();
    while (n != nullptr) {
      node* next = n->next.load();
      delete n;
      n = next;
    }
  }

  const T& push(T v) {
    auto* n = new node(std::move(v));
    std::lock_guard<std::mutex> guard{mtx_};
    if (tail_ != nullptr)
      tail_->next.store(n, std::memory_order_release);
    else
      head_.store(n, std::memory_order_release);
    tail_ = n;
    return n->value;
  }

  template <class F>
  void for_each(F&& f) const {
    for (node* n = head_.load(std::memory_order_acquire); n != nullptr;
         n = n->next.load(std::memory_order_acquire))
      f(n->value);
  }

  template <class P>
  const T* find(P&& pred) const {
    for (node* n = head_.load(std::memory_order_acquire); n != nullptr;
         n = n->next.load(std::memory_order_acquire))
      if (pred(n->value))
        return &n->value;
    return nullptr;
  }

private:
  std::atomic<node*> head_{nullptr};
  node* tail_ = nullptr; // guarded by mtx_
  std::mutex mtx_;
};

/// At most one log line per second for conditions that can repeat per message.
class log_throttle {
public:
  /// True if a line may be written now; `skipped` gets the number of
  /// suppressed occurrences since the last line.
  bool allow(uint64_t& skipped) noexcept {
    auto now = steady::now().time_since_epoch().count();
    auto next = next_.load();
    if (now < next ||
        !next_.compare_exchange_strong(
            next,
            now + std::chrono::duration_cast<steady::duration>(std::chrono::seconds{1}).count())) {
      suppressed_.fetch_add(1);
      return false;
    }
    skipped = suppressed_.exchange(0);
    return true;
  }

private:
  std::atomic<steady::rep> next_{0};
  std::atomic<uint64_t> suppressed_{0};
};

std::string paho_error(int rc) {
  const char* s = MQTTAsync_strerror(rc);
  return std::string{s != nullptr ? s : "paho error"} + " (" + std::to_string(rc) + ")";
}

std::string describe(const MQTTAsync_failureData5* d) {
  if (d == nullptr)
    return "unknown error";
  std::string s;
  if (d->message != nullptr)
    s = d->message;
  else if (d->code != MQTTASYNC_SUCCESS)
    s = paho_error(d->code);
  if (d->reasonCode != MQTTREASONCODE_SUCCESS) {
    const char* rc = MQTTReasonCode_toString(d->reasonCode);
    s += s.empty() ? "" : ", ";
    s += "reason ";
    s += rc != nullptr ? rc : std::to_string(static_cast<int>(d->reasonCode));
  }
  return s.empty() ? "failed" : s;
}

/// Runs `f`, swallowing exceptions: nothing may unwind into paho's C frames.
template <class F>
void guarded(spdlog::logger& log, const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    log.error("{}: {}", what, e.what());
  } catch (...) {
    log.error("{}: unknown exception", what);
  }
}

} // namespace

struct client::impl {
  struct subscription {
    std::string filter;
    int qos;
    message_handler handler;
  };

  /// Context of one SUBSCRIBE: which connection it belongs to.
  struct sub_request {
    impl* self;
    uint64_t gen;
    bool late; ///< issued by subscribe() while up, not by the re-subscribe
    std::vector<std::string> filters;
  };

  impl(client_options o, metrics::registry& reg, const std::string& prefix)
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
    backoff_ms = opts.reconnect_min_ms;
    rng.seed(static_cast<unsigned>(steady::now().time_since_epoch().count()) ^
             static_cast<unsigned>(reinterpret_cast<uintptr_t>(this)));
  }

  ~impl() { shutdown(); }

  // ---- lifecycle ---------------------------------------------------------

  bool start() {
    std::lock_guard<std::mutex> life{life_mtx};
    if (stopping.load())
      return false;
    if (start_attempted)
      return start_ok;
    start_attempted = true;
    url = detail::parse_broker_url(opts.url);
    if (!url) {
      log->error("mqtt url: expected tcp://host:port or mqtt://host:port, got '{}'", opts.url);
      return false;
    }
    if (opts.client_id.empty()) {
      log->error("mqtt client id must not be empty ({})", opts.url);
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
    co.maxBufferedMessages = max_buffered_messages;
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
    conn_opts.onSuccess5 = &on_connect_success;
    conn_opts.onFailure5 = &on_connect_failure;
    conn_opts.context = this;

    try {
      timer = std::thread([this] { timer_loop(); });
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

  /// `report`: tell the observers about `stopped` (not from the destructor:
  /// their owner may be half destroyed by then).
  void stop(bool report = true) {
    const bool on_paho = tl_callback_depth > 0;
    const bool own_callback = tl_callback_owner == this;
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
      d.timeout = disconnect_flush_ms;
      d.onSuccess5 = &on_disconnect_success;
      d.onFailure5 = &on_disconnect_failure;
      d.context = this;
      disconnecting = MQTTAsync_disconnect(handle, &d) == MQTTASYNC_SUCCESS;
    }
    // Completion needs paho's threads: never wait on one of them.
    if (disconnecting && !on_paho) {
      std::unique_lock<std::mutex> lk{mtx};
      if (!cv.wait_for(lk, disconnect_wait, [&] { return disc_done; }))
        log->warn("disconnect from {} did not complete in {} ms; closing anyway", opts.url,
                  disconnect_wait.count());
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

  /// stop() + join the timer + destroy the paho handle. Not on a paho thread.
  void shutdown() {
    stop(false);
    if (timer.joinable())
      timer.join();
    detail::receive_waker::instance().remove(this); // no-op if start() never added us
    if (handle != nullptr) {
      MQTTAsync_destroy(&handle);
      handle = nullptr;
    }
  }

  /// True if the calling thread is one of ours or paho's: destroying there
  /// would deadlock (paho's mutex, or joining ourselves).
  bool on_callback_thread() const {
    return tl_callback_depth > 0 || std::this_thread::get_id() == timer_id;
  }

  // ---- state -------------------------------------------------------------

  void notify(link_state s) {
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

  /// Changes the state unless stopping (only stop() sets `stopped`).
  void set_state(link_state s) {
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

  /// up, if `gen` is still the current connection.
  void go_up(uint64_t gen, size_t subscriptions) {
    bool again;
    {
      std::lock_guard<std::mutex> lk{mtx};
      if (stopping.load() || gen != conn_gen || !session_live || state.load() == link_state::up)
        return;
      state.store(link_state::up);
      up_gauge.set(1);
      again = gen > 1;
    }
    cv.notify_all();
    log->info("{} {} as '{}' ({} subscription{}, TCP_NODELAY {})",
              again ? "reconnected to" : "up: connected to", opts.url, opts.client_id,
              subscriptions, subscriptions == 1 ? "" : "s", opts.tcp_nodelay ? "on" : "off");
    notify(link_state::up);
  }

  // ---- reconnect timer ---------------------------------------------------

  /// Runs the (re)connect attempts. While an attempt waits for its CONNACK
  /// and SUBACK (state `connecting`, at most the connect timeout + 1 s), it
  /// also wakes paho's receive thread (after 5, 10, 20 ... 250 ms).
  void timer_loop() {
    std::unique_lock<std::mutex> lk{timer_mtx};
    while (!timer_stop) {
      if (next_connect && steady::now() >= *next_connect) {
        next_connect.reset();
        lk.unlock();
        do_connect();
        lk.lock();
        wake_until = steady::now() + std::chrono::milliseconds{opts.connect_timeout_ms + 1000};
        wake_every = wake_first;
        continue;
      }
      const bool waking = wake_until && steady::now() < *wake_until &&
                          state.load(std::memory_order_acquire) == link_state::connecting;
      if (!waking) {
        wake_until.reset();
      } else {
        lk.unlock();
        detail::receive_waker::instance().wake(this);
        lk.lock();
        if (timer_stop)
          break;
      }
      std::optional<steady::time_point> until = next_connect;
      if (waking) {
        const auto w = steady::now() + wake_every;
        wake_every = std::min(wake_max, wake_every * 2);
        if (!until || w < *until)
          until = w;
      }
      if (until)
        timer_cv.wait_until(lk, *until);
      else
        timer_cv.wait(lk);
    }
  }

  void schedule_connect(std::chrono::milliseconds delay) {
    {
      std::lock_guard<std::mutex> lk{timer_mtx};
      if (timer_stop)
        return;
      next_connect = steady::now() + delay;
    }
    timer_cv.notify_all();
  }

  /// Next attempt after the current backoff (±20 % jitter); doubles it.
  void schedule_reconnect() {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lk{timer_mtx};
      std::uniform_real_distribution<double> jitter{0.8, 1.2};
      delay = std::chrono::milliseconds{
          std::max<int64_t>(1, static_cast<int64_t>(backoff_ms * jitter(rng)))};
      backoff_ms = std::min(opts.reconnect_max_ms, backoff_ms * 2);
    }
    schedule_connect(delay);
  }

  void do_connect() {
    if (stopping.load())
      return;
    set_state(link_state::connecting);
    if (stopping.load())
      return;
    log->debug("connecting to {} as '{}'", opts.url, opts.client_id);
    int rc = MQTTAsync_connect(handle, &conn_opts);
    if (rc != MQTTASYNC_SUCCESS)
      connect_failed(paho_error(rc));
  }

  void connect_failed(const std::string& reason) {
    int n;
    {
      std::lock_guard<std::mutex> lk{timer_mtx};
      n = ++failures;
    }
    if (n == 1)
      log->warn("cannot connect to {} as '{}': {} (retrying every {}..{} ms)", opts.url,
                opts.client_id, reason, opts.reconnect_min_ms, opts.reconnect_max_ms);
    else
      log->debug("connect attempt {} to {} failed: {}", n, opts.url, reason);
    set_state(link_state::down);
    schedule_reconnect();
  }

  // ---- connection events (paho threads, inside the gate) -----------------

  void apply_nodelay() {
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

  void connected() {
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
      log->warn("re-subscribing {} filter(s) on {} failed: {}", n, opts.url, paho_error(rc));
    }
  }

  void lost(const std::string& reason) {
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

  void subscribed(const sub_request& req) {
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

  void deliver(const char* topic, int topic_len, const MQTTAsync_message* m) {
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
    try {
      sub->handler(std::move(msg));
    } catch (const std::exception& e) {
      uint64_t skipped = 0;
      if (handler_throttle.allow(skipped))
        log->error("handler of '{}' threw: {} ({} more suppressed)", sub->filter, e.what(),
                   skipped);
    } catch (...) {
      uint64_t skipped = 0;
      if (handler_throttle.allow(skipped))
        log->error("handler of '{}' threw ({} more suppressed)", sub->filter, skipped);
    }
  }

  // ---- paho callbacks ----------------------------------------------------

  static void on_connect_success(void* ctx, MQTTAsync_successData5*) {
    auto* self = static_cast<impl*>(ctx);
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (!pass) {
      // A connect that was in flight when stop() ran: do not keep it open.
      if (self->stopping.load())
        MQTTAsync_disconnect(self->handle, nullptr);
      return;
    }
    guarded(*self->log, "on connect", [&] { self->connected(); });
  }

  static void on_connect_failure(void* ctx, MQTTAsync_failureData5* d) {
    auto* self = static_cast<impl*>(ctx);
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (pass)
      guarded(*self->log, "on connect failure", [&] { self->connect_failed(describe(d)); });
  }

  static void on_connection_lost(void* ctx, char* cause) {
    auto* self = static_cast<impl*>(ctx);
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (pass)
      guarded(*self->log, "on connection lost",
              [&] { self->lost(cause != nullptr ? cause : "connection lost"); });
    else
      self->disconnect_done(); // stop() waits for a DISCONNECT that will never complete
  }

  /// MQTT v5: the broker sent DISCONNECT (e.g. 0x8B on shutdown). paho then
  /// closes the socket without calling connectionLost.
  static void on_disconnected(void* ctx, MQTTProperties*, enum MQTTReasonCodes reason) {
    auto* self = static_cast<impl*>(ctx);
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (!pass) {
      self->disconnect_done();
      return;
    }
    guarded(*self->log, "on disconnected", [&] {
      const char* r = MQTTReasonCode_toString(reason);
      self->lost(std::string{"broker sent DISCONNECT ("} +
                 (r != nullptr ? r : std::to_string(static_cast<int>(reason))) + ")");
    });
  }

  static void on_subscribe_success(void* ctx, MQTTAsync_successData5* d) {
    std::unique_ptr<sub_request> req{static_cast<sub_request*>(ctx)};
    impl* self = req->self;
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (!pass)
      return;
    guarded(*self->log, "on subscribe", [&] {
      const size_t n = req->filters.size();
      for (size_t i = 0; i < n; ++i) {
        auto rc =
            n > 1 && d->alt.sub.reasonCodes != nullptr ? d->alt.sub.reasonCodes[i] : d->reasonCode;
        if (rc >= MQTTREASONCODE_UNSPECIFIED_ERROR)
          self->log->error("broker refused subscription '{}': {}", req->filters[i],
                           MQTTReasonCode_toString(rc));
      }
      self->subscribed(*req);
    });
  }

  static void on_subscribe_failure(void* ctx, MQTTAsync_failureData5* d) {
    std::unique_ptr<sub_request> req{static_cast<sub_request*>(ctx)};
    impl* self = req->self;
    callback_scope scope{self};
    gate_pass pass{self->gate};
    if (!pass)
      return;
    guarded(*self->log, "on subscribe failure", [&] {
      if (d != nullptr && d->code == MQTTASYNC_SUCCESS &&
          d->reasonCode >= MQTTREASONCODE_UNSPECIFIED_ERROR) {
        // Answered with a refusal: the link is fine, the filter is not.
        self->log->error("broker refused subscription '{}': {}",
                         req->filters.empty() ? "" : req->filters.front(),
                         MQTTReasonCode_toString(d->reasonCode));
        self->subscribed(*req);
        return;
      }
      // Interrupted by a lost connection: the next connect re-subscribes.
      self->log->debug("subscribe interrupted: {}", describe(d));
      if (req->late)
        self->subscribed(*req);
    });
  }

  static void on_delivered(void* ctx, MQTTAsync_successData5*) {
    auto* self = static_cast<impl*>(ctx);
    gate_pass pass{self->gate};
    if (pass)
      self->delivery_complete.inc();
  }

  static int on_message(void* ctx, char* topic, int topic_len, MQTTAsync_message* m) {
    auto* self = static_cast<impl*>(ctx);
    {
      callback_scope scope{self};
      gate_pass pass{self->gate};
      if (pass)
        guarded(*self->log, "message delivery", [&] { self->deliver(topic, topic_len, m); });
    }
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(topic);
    return 1;
  }

  // No gate: these touch only our own fields, and the impl outlives the handle.
  static void on_disconnect_success(void* ctx, MQTTAsync_successData5*) {
    static_cast<impl*>(ctx)->disconnect_done();
  }
  static void on_disconnect_failure(void* ctx, MQTTAsync_failureData5*) {
    static_cast<impl*>(ctx)->disconnect_done();
  }
  void disconnect_done() {
    {
      std::lock_guard<std::mutex> lk{mtx};
      disc_done = true;
    }
    cv.notify_all();
  }

  // ---- data --------------------------------------------------------------

  client_options opts;
  metrics::counter& published;
  metrics::counter& publish_failed;
  metrics::counter& received;
  metrics::counter& unmatched;
  metrics::counter& connects;
  metrics::counter& reconnects;
  metrics::counter& delivery_complete;
  metrics::gauge& up_gauge;
  std::shared_ptr<spdlog::logger> log;
  log_throttle publish_throttle;
  log_throttle handler_throttle;

  std::mutex life_mtx; // start() vs stop()
  bool start_attempted = false;
  bool start_ok = false;
  std::optional<detail::broker_url> url;
  MQTTAsync handle = nullptr;
  MQTTAsync_connectOptions conn_opts = MQTTAsync_connectOptions_initializer5;

  std::mutex peers_mtx;
  std::vector<detail::ip_endpoint> peers;

  callback_gate gate;
  append_list<subscription> subs;
  append_list<std::function<void(link_state)>> observers;
  std::atomic<link_state> state{link_state::idle};
  std::atomic<bool> stopping{false};

  std::mutex mtx; // guards what follows; never held while calling paho or user code
  std::condition_variable cv;
  uint64_t conn_gen = 0;     ///< incremented on every successful connect
  bool session_live = false; ///< connected (CONNACK seen) and not lost since
  int pending_late = 0;      ///< SUBACKs outstanding for subscribe() calls while live
  bool ever_connected = false;
  bool stop_done = false;
  bool disc_done = false;

  std::thread timer;
  std::thread::id timer_id;
  std::mutex timer_mtx; // guards what follows
  std::condition_variable timer_cv;
  bool timer_stop = false;
  std::optional<steady::time_point> next_connect;
  std::optional<steady::time_point> wake_until; ///< wake paho's receive thread until then
  std::chrono::milliseconds wake_every{wake_first};
  int backoff_ms;
  int failures = 0; ///< failed attempts since the last successful connect
  std::minstd_rand rng;
};

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
    d.log->debug("subscribe '{}' deferred to the next connect: {}", filter, paho_error(rc));
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

publish_errc client::publish(std::string_view topic, std::string_view payload, int qos,
                             bool retain) {
  auto& d = *impl_;
  auto fail = [&](publish_errc e) {
    d.publish_failed.inc();
    return e;
  };
  if (topic.empty() || topic.find_first_of(std::string_view{"+#\0", 3}) != std::string_view::npos)
    return fail(publish_errc::bad_topic);
  if (payload.size() > max_payload)
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
    ro.onSuccess5 = &impl::on_delivered;
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
  if (d.publish_throttle.allow(skipped))
    d.log->warn("publish to '{}' refused by paho: {} ({} more suppressed)", topic_buf,
                paho_error(rc), skipped);
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
