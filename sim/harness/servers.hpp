#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/harness/process.hpp"

namespace shelfwire::sim {

/// A real mosquitto broker on a free loopback port, with the settings a
/// shelfwire deployment needs (TCP_NODELAY, unlimited in-flight, big queues).
/// restart() keeps the port.
class mosquitto_server {
public:
  mosquitto_server();
  /// A broker with the caller's configuration (TLS listeners, a password
  /// file, an ACL): `make_config(port)` returns the whole mosquitto.conf for
  /// a broker whose listener is 127.0.0.1:port (a free port chosen here);
  /// nothing is added to it (mosquitto_tuning() holds the harness's
  /// settings). Waits until the port accepts, like the default broker.
  explicit mosquitto_server(const std::function<std::string(uint16_t port)>& make_config);
  ~mosquitto_server();
  uint16_t port() const { return port_; }
  /// tcp://127.0.0.1:port (ssl://... for a TLS listener: build it from port()).
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  void stop();
  void start();
  void restart() {
    stop();
    start();
  }
  bool running() { return proc_.running(); }
  std::string log_tail() const { return proc_.log_tail(); }
  int pid() const { return proc_.pid(); }

private:
  temp_dir dir_;
  uint16_t port_;
  child_process proc_;
};

/// A real redis-server on a free loopback port, no persistence.
class redis_server {
public:
  redis_server();
  ~redis_server();
  uint16_t port() const { return port_; }
  void stop();
  void start();
  void restart() {
    stop();
    start();
  }
  bool running() { return proc_.running(); }
  std::string log_tail() const { return proc_.log_tail(); }
  int pid() const { return proc_.pid(); }

private:
  temp_dir dir_;
  uint16_t port_;
  child_process proc_;
};

/// Writes the mosquitto config shelfwire expects for a broker listening on
/// 127.0.0.1:port: an anonymous listener plus mosquitto_tuning(). Shared with
/// the simulator and the demo scripts.
std::string mosquitto_config(uint16_t port);

/// The settings of every harness broker besides its listeners and access
/// rules: TCP_NODELAY, unlimited in-flight, big queues, no persistence,
/// errors and warnings to stderr (the log file).
std::string mosquitto_tuning();

} // namespace shelfwire::sim
