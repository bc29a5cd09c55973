#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace shelfwire::http {

/// What a handler answers.
struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// Answers one GET of a path. Runs on one of the server's threads.
using handler = std::function<response()>;

struct server_options {
  /// "host:port" (IPv6 in brackets); port 0 picks a free one (port()).
  std::string listen;
  /// Non-empty: every request must carry "Authorization: Bearer {token}"
  /// (compared in constant time); others get 401 and are counted.
  std::string token;
  /// Threads that answer requests (scrapes and probes are rare and short).
  int threads = 2;
};

/// A small HTTP/1.1 server for a node's operational endpoints, on civetweb:
/// GET (and HEAD) of the paths it was started with; 404 for other paths,
/// 405 for other methods. No files are served, no keep-alive.
///
/// Threads: civetweb's listener thread and `threads` workers, all its own;
/// handlers run on a worker. start() and stop() from one owning thread.
class server {
public:
  server();
  ~server(); // stops
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Listens on `opts.listen` and serves `routes` (path -> handler).
  /// Returns "" or why it could not listen.
  std::string start(server_options opts, std::map<std::string, handler> routes);

  /// The port it listens on (after start()), 0 if not listening.
  uint16_t port() const;

  /// Requests refused for a missing or wrong token.
  uint64_t unauthorized() const;

  /// Stops listening and waits for running handlers. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire::http
