#pragma once

// struct client::impl: everything a client holds, which lock guards what, and
// the client's internal steps. The steps are defined, by job and thread, in
//   client_lifecycle.cpp  start, stop, shutdown         (caller's thread)
//   client_reconnect.cpp  the reconnect timer            (the client's timer thread)
//   client_session.cpp    connection events, dispatch    (paho's threads, inside the gate)
//   client_callbacks.cpp  paho's C callbacks             (paho's threads)
// and client.cpp holds the public methods. Internal: include only from those.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <MQTTAsync.h>
#include <spdlog/logger.h>

#include "runtime/log/throttle.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"
#include "runtime/mqtt/detail/append_list.hpp"
#include "runtime/mqtt/detail/callback_gate.hpp"
#include "runtime/mqtt/tcp_nodelay.hpp"

namespace shelfwire::mqtt {

namespace detail {

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

} // namespace detail

struct client::impl {
  using steady = std::chrono::steady_clock;

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

  impl(client_options o, metrics::registry& reg, const std::string& prefix);
  ~impl() { shutdown(); }

  // ---- lifecycle (client_lifecycle.cpp) ----------------------------------

  bool start();
  /// `report`: tell the observers about `stopped` (not from the destructor:
  /// their owner may be half destroyed by then).
  void stop(bool report = true);
  /// stop() + join the timer + destroy the paho handle. Not on a paho thread.
  void shutdown();
  /// True if the calling thread is one of ours or paho's: destroying there
  /// would deadlock (paho's mutex, or joining ourselves).
  bool on_callback_thread() const;

  // ---- reconnect timer (client_reconnect.cpp) ----------------------------

  /// Runs the (re)connect attempts. While an attempt waits for its CONNACK
  /// and SUBACK (state `connecting`, at most the connect timeout + 1 s), it
  /// also wakes paho's receive thread (after 5, 10, 20 ... 250 ms).
  void timer_loop();
  void schedule_connect(std::chrono::milliseconds delay);
  /// Next attempt after the current backoff (±20 % jitter); doubles it.
  void schedule_reconnect();
  void do_connect();
  void connect_failed(const std::string& reason);

  // ---- state and connection events (client_session.cpp) ------------------

  void notify(link_state s);
  /// Changes the state unless stopping (only stop() sets `stopped`).
  void set_state(link_state s);
  /// up, if `gen` is still the current connection.
  void go_up(uint64_t gen, size_t subscriptions);
  /// Publishes the birth message (opts.birth), if any: in go_up, once up.
  void announce_birth();
  void apply_nodelay();
  void connected();
  void lost(const std::string& reason);
  void subscribed(const sub_request& req);
  void deliver(const char* topic, int topic_len, const MQTTAsync_message* m);
  /// stop() waits for this (DISCONNECT written or failed, or the link gone).
  void disconnect_done();
  /// client::publish (client.cpp); also the birth message's, from go_up.
  publish_errc publish(std::string_view topic, std::string_view payload, int qos, bool retain);

  // ---- paho callbacks (client_callbacks.cpp) -----------------------------

  static void on_connect_success(void* ctx, MQTTAsync_successData5*);
  static void on_connect_failure(void* ctx, MQTTAsync_failureData5* d);
  static void on_connection_lost(void* ctx, char* cause);
  /// MQTT v5: the broker sent DISCONNECT (e.g. 0x8B on shutdown). paho then
  /// closes the socket without calling connectionLost.
  static void on_disconnected(void* ctx, MQTTProperties*, enum MQTTReasonCodes reason);
  static void on_subscribe_success(void* ctx, MQTTAsync_successData5* d);
  static void on_subscribe_failure(void* ctx, MQTTAsync_failureData5* d);
  static void on_delivered(void* ctx, MQTTAsync_successData5*);
  /// OpenSSL's error lines during a TLS handshake or I/O (paho calls it with
  /// ERR_print_errors_cb). Logged, rate-limited: the first failure of a
  /// series at warn, later ones at debug. No gate: only logs.
  static int on_ssl_error(const char* str, size_t len, void* ctx);
  static int on_message(void* ctx, char* topic, int topic_len, MQTTAsync_message* m);
  // No gate: these touch only our own fields, and the impl outlives the handle.
  static void on_disconnect_success(void* ctx, MQTTAsync_successData5*);
  static void on_disconnect_failure(void* ctx, MQTTAsync_failureData5*);

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
  /// At most one log line per second for conditions that can repeat per
  /// message (a refused publish, a throwing handler); hit from any thread.
  shelfwire::log::throttle publish_throttle{1};
  shelfwire::log::throttle handler_throttle{1};
  shelfwire::log::throttle ssl_throttle{4};

  std::mutex life_mtx; // start() vs stop()
  bool start_attempted = false;
  bool start_ok = false;
  std::optional<detail::broker_url> url;
  MQTTAsync handle = nullptr;
  MQTTAsync_connectOptions conn_opts = MQTTAsync_connectOptions_initializer5;
  /// With an ssl:// URL; its strings point into `opts` (never changed after start).
  MQTTAsync_SSLOptions ssl_opts = MQTTAsync_SSLOptions_initializer;
  /// With a will (opts.will); points into `opts` too. paho copies it per connect.
  MQTTAsync_willOptions will_opts = MQTTAsync_willOptions_initializer;

  std::mutex peers_mtx;
  std::vector<detail::ip_endpoint> peers;

  detail::callback_gate gate;
  detail::append_list<subscription> subs;
  detail::append_list<std::function<void(link_state)>> observers;
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
  std::chrono::milliseconds wake_every{detail::wake_first};
  int backoff_ms;
  int failures = 0; ///< failed attempts since the last successful connect
  std::minstd_rand rng;
};

} // namespace shelfwire::mqtt
