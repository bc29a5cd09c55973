#pragma once

// A loopback TCP connection and a minimal HTTP/1.1 GET client for tests and benchmarks (the node's
// /metrics, /healthz, /readyz and Prometheus' HTTP API on loopback). One request per connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace shelfwire::sim {

struct http_reply {
  int status = 0; ///< 0: no answer (refused, timeout)
  std::string headers;
  std::string body;
};

/// Percent-encodes a query parameter value.
inline std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A TCP connection to 127.0.0.1:port with send and receive timeouts of
/// `timeout_ms`; -1 if it could not be made. The caller closes it.
inline int connect_loopback(uint16_t port, long timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_ms % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// GET http://127.0.0.1:{port}{path}; `bearer` adds an Authorization header.
/// Bounded: 10 s to connect, send and read.
inline http_reply http_get(uint16_t port, const std::string& path, const std::string& bearer = {}) {
  http_reply r;
  int fd = connect_loopback(port, 10'000);
  if (fd < 0)
    return r;
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n";
  if (!bearer.empty())
    req += "Authorization: Bearer " + bearer + "\r\n";
  req += "\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return r;
  }
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    return r;
  r.status = std::atoi(raw.c_str() + 9);
  r.headers = raw.substr(0, head_end);
  auto body = raw.substr(head_end + 4);
  if (r.headers.find("Transfer-Encoding: chunked") == std::string::npos) {
    r.body = std::move(body);
    return r;
  }
  size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos)
      break;
    auto len = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
    if (len == 0)
      break;
    r.body += body.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
  }
  return r;
}

} // namespace shelfwire::sim
