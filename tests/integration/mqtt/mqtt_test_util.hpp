#pragma once

// Helpers shared by the MQTT port's integration tests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>

#include "runtime/log/log.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire::testing::mqtt_util {

using namespace std::chrono_literals;

/// Keeps the test output readable: warnings and errors only.
inline void quiet_logs() {
  shelfwire::log::log_options lo;
  lo.level = "warn";
  if (const char* env = std::getenv("SHELFWIRE_TEST_LOG"))
    lo.level = env;
  shelfwire::log::setup(lo);
}

/// A client id unique in this process and across runs.
inline std::string unique_id(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(n.fetch_add(1));
}

/// Options for tests: fast reconnects, short timeouts.
inline mqtt::client_options options(const std::string& url, const std::string& base) {
  mqtt::client_options o;
  o.url = url;
  o.client_id = unique_id(base);
  o.keepalive_s = 5;
  o.connect_timeout_ms = 1000;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 500;
  o.track_delivery = true; // tests count broker acknowledgements
  return o;
}

/// Collects messages from a handler, thread-safely.
struct inbox {
  std::mutex mtx;
  std::vector<mqtt::message> messages;
  std::atomic<size_t> count{0};

  mqtt::message_handler handler() {
    return [this](mqtt::message&& m) {
      std::lock_guard<std::mutex> lk{mtx};
      messages.push_back(std::move(m));
      count.fetch_add(1);
    };
  }
  size_t size() const { return count.load(); }
  std::vector<mqtt::message> snapshot() {
    std::lock_guard<std::mutex> lk{mtx};
    return messages;
  }
};

/// Records every state a client reports.
struct state_log {
  std::mutex mtx;
  std::vector<mqtt::link_state> states;

  std::function<void(mqtt::link_state)> observer() {
    return [this](mqtt::link_state s) {
      std::lock_guard<std::mutex> lk{mtx};
      states.push_back(s);
    };
  }
  bool saw(mqtt::link_state s) {
    std::lock_guard<std::mutex> lk{mtx};
    for (auto x : states)
      if (x == s)
        return true;
    return false;
  }
  size_t count(mqtt::link_state s) {
    std::lock_guard<std::mutex> lk{mtx};
    size_t n = 0;
    for (auto x : states)
      n += x == s ? 1 : 0;
    return n;
  }
  std::vector<mqtt::link_state> snapshot() {
    std::lock_guard<std::mutex> lk{mtx};
    return states;
  }
};

/// TCP_NODELAY of every TCP socket of this process connected to
/// 127.0.0.1:port, found the same way an operator would: /proc/self/fd.
inline std::vector<int> nodelay_of_sockets_to(uint16_t port) {
  std::vector<int> out;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr)
    return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    int fd = std::atoi(e->d_name);
    if (fd == ::dirfd(dir))
      continue;
    int type = 0;
    socklen_t len = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
      continue;
    sockaddr_storage ss{};
    len = sizeof(ss);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 || ss.ss_family != AF_INET)
      continue;
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    if (ntohs(in->sin_port) != port || ntohl(in->sin_addr.s_addr) != INADDR_LOOPBACK)
      continue;
    int v = -1;
    len = sizeof(v);
    if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0)
      out.push_back(v);
  }
  ::closedir(dir);
  return out;
}

} // namespace shelfwire::testing::mqtt_util
