#include "runtime/http/server.hpp"

#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include <civetweb.h>

#include "runtime/core/clock.hpp"
#include "runtime/core/constant_time.hpp"
#include "runtime/log/log.hpp"
#include "runtime/log/throttle.hpp"

namespace shelfwire::http {

namespace {

const char* reason_of(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 401:
    return "Unauthorized";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

/// civetweb wants numeric addresses: "localhost" is the loopback address.
std::string civetweb_ports(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon != std::string::npos && listen.substr(0, colon) == "localhost")
    return "127.0.0.1" + listen.substr(colon);
  return listen;
}

} // namespace

struct server::impl {
  mg_context* ctx = nullptr;
  server_options opts;
  std::map<std::string, handler> routes;
  std::atomic<uint64_t> unauthorized{0};
  log::throttle refusals_logged{5}; ///< at most 5 lines a second
  uint16_t port = 0;

  static void write(mg_connection* conn, const response& r, bool head,
                    const char* extra_header = nullptr) {
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sCache-Control: "
              "no-store\r\nConnection: close\r\n\r\n",
              r.status, reason_of(r.status), r.content_type.c_str(), r.body.size(),
              extra_header ? extra_header : "");
    if (!head && !r.body.empty())
      mg_write(conn, r.body.data(), r.body.size());
  }

  bool authorized(mg_connection* conn) const {
    if (opts.token.empty())
      return true;
    const char* h = mg_get_header(conn, "Authorization");
    if (!h)
      return false;
    std::string_view given{h};
    constexpr std::string_view scheme = "Bearer ";
    if (given.substr(0, scheme.size()) != scheme)
      return false;
    return constant_time_equal(given.substr(scheme.size()), opts.token);
  }

  int handle(mg_connection* conn) {
    const mg_request_info* ri = mg_get_request_info(conn);
    bool head = std::strcmp(ri->request_method, "HEAD") == 0;
    if (!authorized(conn)) {
      unauthorized.fetch_add(1, std::memory_order_relaxed);
      uint64_t suppressed = 0;
      if (refusals_logged.allow(steady_now_us(), suppressed))
        log::get("http")->warn(
            "refused {} {} from {}: missing or wrong bearer token "
            "(metrics.token){}",
            ri->request_method, ri->local_uri ? ri->local_uri : "?", ri->remote_addr,
            suppressed ? fmt::format(" ({} more refused, not logged)", suppressed) : std::string{});
      write(conn, {401, "text/plain; charset=utf-8", "unauthorized: send Authorization: Bearer\n"},
            head, "WWW-Authenticate: Bearer\r\n");
      return 401;
    }
    if (!head && std::strcmp(ri->request_method, "GET") != 0) {
      write(conn, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false,
            "Allow: GET, HEAD\r\n");
      return 405;
    }
    auto i = routes.find(ri->local_uri ? ri->local_uri : "");
    if (i == routes.end()) {
      std::string paths;
      for (auto& [p, h] : routes)
        paths += (paths.empty() ? "" : ", ") + p;
      write(conn, {404, "text/plain; charset=utf-8", "not found; paths: " + paths + "\n"}, head);
      return 404;
    }
    response r;
    try {
      r = i->second();
    } catch (const std::exception& e) {
      r = {500, "text/plain; charset=utf-8", std::string{"internal error: "} + e.what() + "\n"};
    }
    write(conn, r, head);
    return r.status;
  }

  static int on_request(mg_connection* conn, void* self) {
    return static_cast<impl*>(self)->handle(conn);
  }
};

server::server()
    : impl_(std::make_unique<impl>()) {}

server::~server() {
  stop();
}

std::string server::start(server_options opts, std::map<std::string, handler> routes) {
  static std::once_flag library_once;
  std::call_once(library_once, [] { mg_init_library(0); });
  auto& d = *impl_;
  if (d.ctx)
    return "already listening";
  d.opts = std::move(opts);
  d.routes = std::move(routes);
  auto ports = civetweb_ports(d.opts.listen);
  auto threads = std::to_string(d.opts.threads > 0 ? d.opts.threads : 1);
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "request_timeout_ms",
                           "5000",
                           "enable_keep_alive",
                           "no",
                           nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  // civetweb logs to stderr unless told otherwise: its errors come back in `error`.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  mg_init_data init;
  std::memset(&init, 0, sizeof init);
  init.callbacks = &callbacks;
  init.user_data = &d;
  init.configuration_options = options;
  char text[256] = {};
  unsigned code = 0;
  mg_error_data error{&code, text, sizeof text};
  d.ctx = mg_start2(&init, &error);
  if (!d.ctx)
    return "cannot listen on " + d.opts.listen + ": " + (text[0] ? text : "civetweb failed");
  // One handler for every path: "/" is a prefix of all of them.
  mg_set_request_handler(d.ctx, "/", &impl::on_request, &d);
  mg_server_port sp[4];
  std::memset(sp, 0, sizeof sp);
  if (mg_get_server_ports(d.ctx, 4, sp) > 0)
    d.port = static_cast<uint16_t>(sp[0].port);
  return {};
}

uint16_t server::port() const {
  return impl_->port;
}

uint64_t server::unauthorized() const {
  return impl_->unauthorized.load(std::memory_order_relaxed);
}

void server::stop() {
  auto& d = *impl_;
  if (!d.ctx)
    return;
  mg_stop(d.ctx);
  d.ctx = nullptr;
  d.port = 0;
}

} // namespace shelfwire::http
