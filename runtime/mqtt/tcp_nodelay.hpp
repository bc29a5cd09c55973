#pragma once

// Internal to the MQTT port: the TCP_NODELAY workaround for paho-mqtt-c 1.3.12
// (see runtime/mqtt/README.md). Not part of the module's public interface.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shelfwire::mqtt::detail {

/// Host and port of a broker URL.
struct broker_url {
  std::string host; ///< without the brackets of an IPv6 literal
  uint16_t port = 1883;
  bool tls = false; ///< ssl:// or mqtts://
};

/// Parses "tcp://host[:port]" or "mqtt://host[:port]", and with TLS
/// "ssl://host[:port]" or "mqtts://host[:port]" (IPv6 literals in brackets:
/// "tcp://[::1]:1883"). The port defaults to 1883, 8883 with TLS. Returns
/// nullopt for anything else (other schemes, empty host, bad port).
std::optional<broker_url> parse_broker_url(std::string_view url);

/// An IP endpoint, comparable by value. IPv4 (and IPv4-mapped IPv6) addresses
/// are stored as family 4 in the first four bytes of `ip`.
struct ip_endpoint {
  int family = 0; ///< 4 or 6
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;
  bool operator==(const ip_endpoint& o) const {
    return family == o.family && ip == o.ip && port == o.port;
  }
};

/// Resolves `url` with getaddrinfo (TCP). Returns an empty vector and fills
/// `error` if the name does not resolve.
std::vector<ip_endpoint> resolve(const broker_url& url, std::string& error);

/// Scans /proc/self/fd and sets TCP_NODELAY = 1 on every TCP socket
/// (AF_INET/AF_INET6, SOCK_STREAM) whose peer is one of `peers`. Idempotent.
/// Returns how many sockets matched, or -1 if /proc/self/fd is unreadable.
int set_nodelay_for_peers(const std::vector<ip_endpoint>& peers);

/// The peer of a connected TCP socket, or nullopt for anything else.
std::optional<ip_endpoint> tcp_peer_of(int fd);

} // namespace shelfwire::mqtt::detail
