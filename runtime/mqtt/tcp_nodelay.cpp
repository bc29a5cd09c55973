#include "runtime/mqtt/tcp_nodelay.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shelfwire::mqtt::detail {

std::optional<broker_url> parse_broker_url(std::string_view url) {
  std::string_view rest;
  bool tls = false;
  for (std::string_view scheme : {"tcp://", "mqtt://", "ssl://", "mqtts://"}) {
    if (url.substr(0, scheme.size()) == scheme) {
      rest = url.substr(scheme.size());
      tls = scheme == "ssl://" || scheme == "mqtts://";
      break;
    }
  }
  if (rest.empty())
    return std::nullopt;
  // Nothing after the authority: paho takes no path.
  if (rest.find('/') != std::string_view::npos)
    return std::nullopt;
  broker_url out;
  out.tls = tls;
  out.port = tls ? 8883 : 1883;
  std::string_view host;
  std::string_view port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = rest.substr(1, close - 1);
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return std::nullopt;
      port = after.substr(1);
      if (port.empty())
        return std::nullopt;
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      if (rest.find(':') != colon) // bare IPv6 without brackets
        return std::nullopt;
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty())
        return std::nullopt;
    } else {
      host = rest;
    }
  }
  if (host.empty())
    return std::nullopt;
  out.host = std::string{host};
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    long p = std::strtol(std::string{port}.c_str(), nullptr, 10);
    if (p < 1 || p > 65535)
      return std::nullopt;
    out.port = static_cast<uint16_t>(p);
  }
  return out;
}

namespace {

std::optional<ip_endpoint> from_sockaddr(const sockaddr* sa) {
  ip_endpoint e;
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    e.family = 4;
    std::memcpy(e.ip.data(), &in->sin_addr, 4);
    e.port = ntohs(in->sin_port);
    return e;
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    e.port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      e.family = 4;
      std::memcpy(e.ip.data(), reinterpret_cast<const uint8_t*>(&in6->sin6_addr) + 12, 4);
    } else {
      e.family = 6;
      std::memcpy(e.ip.data(), &in6->sin6_addr, 16);
    }
    return e;
  }
  return std::nullopt;
}

} // namespace

std::vector<ip_endpoint> resolve(const broker_url& url, std::string& error) {
  std::vector<ip_endpoint> out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* res = nullptr;
  auto port = std::to_string(url.port);
  int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    error = ::gai_strerror(rc);
    return out;
  }
  for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
    auto e = from_sockaddr(ai->ai_addr);
    if (e && std::find(out.begin(), out.end(), *e) == out.end())
      out.push_back(*e);
  }
  ::freeaddrinfo(res);
  if (out.empty())
    error = "no IPv4/IPv6 address";
  return out;
}

std::optional<ip_endpoint> tcp_peer_of(int fd) {
  int type = 0;
  socklen_t len = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
    return std::nullopt;
  sockaddr_storage ss{};
  len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return std::nullopt;
  return from_sockaddr(reinterpret_cast<const sockaddr*>(&ss));
}

int set_nodelay_for_peers(const std::vector<ip_endpoint>& peers) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr)
    return -1;
  int dir_fd = ::dirfd(dir);
  int matched = 0;
  while (dirent* ent = ::readdir(dir)) {
    if (ent->d_name[0] < '0' || ent->d_name[0] > '9')
      continue;
    char* end = nullptr;
    long fd = std::strtol(ent->d_name, &end, 10);
    if (*end != '\0' || fd == dir_fd)
      continue;
    // Cheap filter first: only sockets link to "socket:[inode]".
    char target[32];
    auto n = ::readlinkat(dir_fd, ent->d_name, target, sizeof(target));
    if (n < 7 || std::memcmp(target, "socket:", 7) != 0)
      continue;
    auto peer = tcp_peer_of(static_cast<int>(fd));
    if (!peer || std::find(peers.begin(), peers.end(), *peer) == peers.end())
      continue;
    int one = 1;
    if (::setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
      ++matched;
  }
  ::closedir(dir);
  return matched;
}

} // namespace shelfwire::mqtt::detail
