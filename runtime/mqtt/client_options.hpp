#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace shelfwire::mqtt {

/// A message the client publishes on its own behalf: the last will (the
/// broker publishes it) and the birth message (the client, after every
/// connect). Empty topic: none.
struct announcement {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = true;
};

/// Options of one MQTT connection (paho MQTTAsync, MQTT v5).
struct client_options {
  /// Broker address: "tcp://host:port" (or "mqtt://"), or with TLS
  /// "ssl://host:port" (or "mqtts://"; port 8883 when omitted).
  std::string url = "tcp://127.0.0.1:1883";
  /// Client identifier; must be unique per broker.
  std::string client_id = "shelfwire";
  std::string username;
  /// Never logged.
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

  /// Last will: the broker publishes it when it loses this connection
  /// without our DISCONNECT (the process killed, the host or the network
  /// gone: after 1.5 x keepalive_s of silence), never after stop(). Sent with
  /// every CONNECT. Empty topic: none. See README, "Last will and birth".
  announcement will;
  /// Birth message: called after every connect, once the broker acknowledged
  /// it and the subscriptions, just before the client reports `up`; the
  /// client publishes what it returns (nothing if the topic is empty). A
  /// will fires on every lost connection, so every reconnect announces again.
  /// Runs on paho's thread: build a small payload and return; never call
  /// into the client.
  std::function<announcement()> birth;

  // ---- TLS: only with an ssl:// or mqtts:// URL ---------------------------
  // The broker's certificate is always verified (chain and validity); see
  // runtime/mqtt/README.md, "TLS".

  /// PEM file of the CA(s) that sign the broker's certificate; empty: the
  /// system's CA store (OpenSSL's default paths).
  std::string tls_ca;
  /// PEM file with this client's certificate (chain), for brokers that ask
  /// for one (`require_certificate`); set together with tls_key.
  std::string tls_certificate;
  /// PEM file with the private key of tls_certificate.
  std::string tls_key;
  /// Passphrase of an encrypted tls_key; empty: not encrypted. Never logged.
  std::string tls_key_password;
  /// Check that the broker's certificate names the URL's host (DNS name or
  /// IP address in its subjectAltName). Turn off only for a broker reached
  /// through an address its certificate does not name.
  bool tls_verify_host = true;

  /// True if the URL asks for TLS (ssl:// or mqtts://).
  bool tls() const { return is_tls_url(url); }
  /// True if `u` starts with ssl:// or mqtts://.
  static bool is_tls_url(std::string_view u) {
    return u.substr(0, 6) == "ssl://" || u.substr(0, 8) == "mqtts://";
  }
};

/// How a program names the TLS options in its messages: the node's config
/// keys by default; command-line tools pass their flags.
struct tls_option_names {
  std::string url = "mqtt.url";
  std::string ca = "mqtt.tls-ca";
  std::string certificate = "mqtt.tls-certificate";
  std::string key = "mqtt.tls-key";
};

/// Checks the TLS options before connecting: TLS files only with an ssl://
/// or mqtts:// URL, certificate and key together, and every file named
/// exists and is readable (a regular file). Returns an empty string when
/// they are usable, or one sentence naming the option (by `names`) and the
/// file; never a password. The client runs it in start(); tools call it to
/// report with their own option names.
std::string check_tls_options(const client_options& o, const tls_option_names& names = {});

} // namespace shelfwire::mqtt
