#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "runtime/mqtt/publisher.hpp"

namespace shelfwire::mqtt {

/// One received message, copied out of paho's buffers.
struct message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool duplicate = false; ///< broker flagged it as a redelivery
  /// A retained message the broker replayed because we subscribed (live
  /// messages arrive with it off, even on a topic that keeps one).
  bool retained = false;
};

/// Called on paho's receive thread. Must be quick: copy/move the message and
/// hand it to an actor (caf::anon_send); never touch actor state, never block.
using message_handler = std::function<void(message&&)>;

/// Link state of a client.
enum class link_state : uint8_t { idle, connecting, up, down, stopped };

std::string_view to_string(link_state s);

/// A thread-safe MQTT v5 connection on top of paho-mqtt-c's MQTTAsync.
///
/// - Connects in the background after start(); reconnects with exponential
///   backoff (min..max) forever until stop(); after every (re)connect it
///   re-subscribes all subscriptions and re-applies TCP_NODELAY.
/// - publish() may be called from any thread and never blocks on the network.
/// - Incoming messages are matched against the subscription filters (also
///   `$share/<group>/<filter>`) and passed to the first matching handler.
/// - Optionally a last will (client_options::will), and a birth message
///   published after every (re)connect (client_options::birth).
///
/// Metrics (under `metric_prefix`, e.g. "mqtt.egress."): published,
/// publish_failed, received, unmatched (received, no subscription matched),
/// reconnects, connects, delivery_complete (only with track_delivery); gauge up (0/1).
///
/// See runtime/mqtt/README.md for threads, callback rules and the
/// TCP_NODELAY workaround.
class client final : public publisher {
public:
  client(client_options opts, metrics::registry& reg, std::string metric_prefix);
  ~client() override; // stops and destroys the paho handle
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Adds a subscription (before or after start). `filter` may be a shared
  /// subscription "$share/group/a/+/b". Subscribed again after reconnects.
  void subscribe(std::string filter, int qos, message_handler handler);

  /// Called on paho's threads whenever the link state changes (connecting
  /// is reported by the client's reconnect timer thread). `stopped` is
  /// reported on the thread that calls stop(); the destructor reports nothing.
  void on_state_change(std::function<void(link_state)> f);

  /// Starts connecting. Returns false only if the options are unusable
  /// (e.g. malformed URL); connection failures are retried in the background.
  bool start();

  /// Publishes; QoS 0 or 1. Thread-safe, non-blocking.
  publish_errc publish(std::string_view topic, std::string_view payload, int qos,
                       bool retain = false) override;

  /// Blocks until the link is up and all subscriptions are acknowledged, or
  /// the timeout passes. For tools, tests and startup; not for actors.
  bool wait_ready(std::chrono::milliseconds timeout);

  link_state state() const;

  /// Messages published and not yet fully sent (QoS 1: not yet acknowledged
  /// by the broker), as paho counts them.
  size_t pending() const;
  /// Waits until pending() is 0 or the timeout passes (polling every 10 ms):
  /// before stop(), so that what was just published (a job's result) is
  /// written rather than discarded. True if nothing is pending.
  bool wait_sent(std::chrono::milliseconds timeout) const;

  /// Disconnects and stops reconnecting. Idempotent; called by the destructor.
  /// Bounded (about 1.5 s at worst, milliseconds when the broker is gone).
  /// After it returns no handler or observer is called.
  void stop();

  const client_options& options() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// True if `topic` matches `filter` (MQTT wildcards + and #; a leading
/// "$share/<group>/" on the filter is ignored).
bool topic_matches(std::string_view filter, std::string_view topic);

} // namespace shelfwire::mqtt
