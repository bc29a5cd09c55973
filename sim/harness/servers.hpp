#pragma once

#include <cstdint>
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
  ~mosquitto_server();
  uint16_t port() const { return port_; }
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
/// 127.0.0.1:port. Shared with the simulator and the demo scripts.
std::string mosquitto_config(uint16_t port);

} // namespace shelfwire::sim
