#include "sim/harness/servers.hpp"

#include <fstream>
#include <stdexcept>

#include "sim/harness/wait.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

std::string mosquitto_config(uint16_t port) {
  return "listener " + std::to_string(port) +
         " 127.0.0.1\n"
         "allow_anonymous true\n" +
         mosquitto_tuning();
}

std::string mosquitto_tuning() {
  return "set_tcp_nodelay true\n"
         "max_inflight_messages 0\n"
         "max_queued_messages 1000000\n"
         "persistence false\n"
         "log_dest stderr\n"
         "log_type error\n"
         "log_type warning\n";
}

mosquitto_server::mosquitto_server()
    : port_(free_port()) {
  std::ofstream{dir_.file("mosquitto.conf")} << mosquitto_config(port_);
  start();
}

mosquitto_server::mosquitto_server(const std::function<std::string(uint16_t port)>& make_config)
    : port_(free_port()) {
  std::ofstream{dir_.file("mosquitto.conf")} << make_config(port_);
  start();
}

mosquitto_server::~mosquitto_server() {
  stop();
}

void mosquitto_server::start() {
  proc_ = child_process::start({"mosquitto", "-c", dir_.file("mosquitto.conf")},
                               dir_.file("mosquitto.log"));
  if (!wait_until([&] { return port_accepts(port_) || !proc_.running(); }, 10s) || !proc_.running())
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ": " +
                             proc_.log_tail());
}

void mosquitto_server::stop() {
  proc_.stop(5s);
}

redis_server::redis_server()
    : port_(free_port()) {
  start();
}

redis_server::~redis_server() {
  stop();
}

void redis_server::start() {
  proc_ = child_process::start({"redis-server", "--port", std::to_string(port_), "--bind",
                                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                dir_.path(), "--daemonize", "no", "--loglevel", "warning"},
                               dir_.file("redis.log"));
  if (!wait_until([&] { return port_accepts(port_) || !proc_.running(); }, 10s) || !proc_.running())
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + ": " +
                             proc_.log_tail());
}

void redis_server::stop() {
  proc_.stop(5s);
}

} // namespace shelfwire::sim
