#pragma once

#include <cstdint>
#include <string>

namespace shelfwire::mqtt {

/// Options of one MQTT connection (paho MQTTAsync, MQTT v5).
struct client_options {
  /// Broker address: "tcp://host:port".
  std::string url = "tcp://127.0.0.1:1883";
  /// Client identifier; must be unique per broker.
  std::string client_id = "shelfwire";
  std::string username;
  std::string password;
  /// MQTT keep-alive; the broker drops us after 1.5x this of silence.
  int keepalive_s = 10;
  /// Unacknowledged QoS 1 messages allowed in flight (paho default is 10).
  int max_inflight = 4096;
  /// Time allowed for the TCP + CONNECT/CONNACK handshake (paho takes whole
  /// seconds: rounded up).
  int connect_timeout_ms = 2000;
  /// Reconnect backoff: first retry after min, doubling up to max.
  int reconnect_min_ms = 100;
  int reconnect_max_ms = 5000;
  /// Count broker acknowledgements of QoS 1 publishes (`delivery_complete`).
  /// Costs paho a tracked response and a callback per publish: off on the
  /// data path, on in tests.
  bool track_delivery = false;
  /// Set TCP_NODELAY on the socket (paho 1.3.12 never does; see README).
  bool tcp_nodelay = true;
};

} // namespace shelfwire::mqtt
