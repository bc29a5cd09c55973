#include "runtime/redis/connection.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire::redis {

std::string_view to_string(errc e) {
  switch (e) {
  case errc::ok:
    return "ok";
  case errc::disconnected:
    return "disconnected";
  case errc::timeout:
    return "timeout";
  case errc::io_error:
    return "io_error";
  case errc::protocol:
    return "protocol";
  case errc::server_error:
    return "server_error";
  }
  return "unknown";
}

namespace {

timeval to_timeval(int ms) {
  ms = std::max(ms, 1);
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

/// Converts a hiredis reply tree into ours.
void convert(const redisReply* r, reply& out) {
  switch (r->type) {
  case REDIS_REPLY_STRING:
    out.type = reply::kind::string;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_STATUS:
    out.type = reply::kind::status;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_ERROR:
    out.type = reply::kind::error;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_INTEGER:
    out.type = reply::kind::integer;
    out.integer = r->integer;
    break;
  case REDIS_REPLY_ARRAY:
    out.type = reply::kind::array;
    out.elements.resize(r->elements);
    for (size_t i = 0; i < r->elements; ++i)
      convert(r->element[i], out.elements[i]);
    break;
  default: // REDIS_REPLY_NIL
    out.type = reply::kind::nil;
    break;
  }
}

/// hiredis 0.14 writes with write(2): a peer that closed the socket raises
/// SIGPIPE, which kills a process that did not ignore it. The first call on
/// a thread blocks SIGPIPE for that thread for good (threads that talk to
/// Redis are the connection's users' own); after a failed call the guard
/// swallows a SIGPIPE that became pending. No syscalls on the happy path.
class sigpipe_guard {
public:
  sigpipe_guard() {
    thread_local bool blocked = false;
    if (blocked)
      return;
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    blocked = pthread_sigmask(SIG_BLOCK, &pipe, nullptr) == 0;
  }
  ~sigpipe_guard() {
    if (!failed_)
      return;
    sigset_t pipe, pending;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
      timespec zero{0, 0};
      while (sigtimedwait(&pipe, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

  void failed() { failed_ = true; }

private:
  bool failed_ = false;
};

std::string metric_name(const std::string& prefix, std::string_view name) {
  if (prefix.empty())
    return std::string{name};
  return prefix + "." + std::string{name};
}

} // namespace

struct connection::impl {
  impl(connection_options o, metrics::registry& reg, const std::string& prefix)
      : opts(std::move(o))
      , commands(reg.get_counter(metric_name(prefix, "commands")))
      , pipelines(reg.get_counter(metric_name(prefix, "pipelines")))
      , errors(reg.get_counter(metric_name(prefix, "errors")))
      , reconnects(reg.get_counter(metric_name(prefix, "reconnects")))
      , up(reg.get_gauge(metric_name(prefix, "up")))
      , log(log::get("redis")) {
    up.set(0);
  }

  ~impl() { drop(); }

  connection_options opts;
  metrics::counter& commands;
  metrics::counter& pipelines;
  metrics::counter& errors;
  metrics::counter& reconnects;
  metrics::gauge& up;
  std::shared_ptr<spdlog::logger> log;

  redisContext* ctx = nullptr;
  bool live = false; ///< connected and handshake done
  bool ever_connected = false;
  /// Set from the first failure (logged at warn) until a round trip works
  /// again (logged at info); failures in between log at debug only.
  bool outage_logged = false;
  int backoff_ms = 0;            ///< 0: no failure since the last success
  int64_t next_attempt_us = 0;   ///< steady clock; no attempt before this
  std::vector<const char*> argv; ///< scratch for redisAppendCommandArgv
  std::vector<size_t> argv_len;
  std::vector<reply> scratch_replies; ///< for call()

  std::string endpoint() const { return opts.host + ":" + std::to_string(opts.port); }

  void drop() {
    if (ctx) {
      redisFree(ctx);
      ctx = nullptr;
    }
    live = false;
    up.set(0);
  }

  /// Starts (or doubles) the reconnect backoff.
  void schedule_backoff() {
    int lo = std::max(opts.reconnect_min_ms, 1);
    int hi = std::max(opts.reconnect_max_ms, lo);
    backoff_ms = backoff_ms == 0 ? lo : std::min(backoff_ms * 2, hi);
    next_attempt_us = steady_now_us() + int64_t{backoff_ms} * 1000;
  }

  /// The connection (or an attempt) failed: free it, start the backoff, log
  /// at warn once per outage and at debug afterwards.
  errc fail(errc e, const std::string& what) {
    bool was_up = live;
    drop();
    schedule_backoff();
    if (!outage_logged) {
      if (was_up)
        log->warn("connection to redis {} lost ({}: {}); reconnecting with backoff from {} ms",
                  endpoint(), to_string(e), what, backoff_ms);
      else
        log->warn("cannot connect to redis {} ({}: {}); retrying with backoff up to {} ms",
                  endpoint(), to_string(e), what, std::max(opts.reconnect_max_ms, 1));
      outage_logged = true;
    } else {
      log->debug("redis {}: {} ({}); next attempt in {} ms", endpoint(), what, to_string(e),
                 backoff_ms);
    }
    return e;
  }

  /// Runs one command synchronously while connecting (AUTH, SELECT).
  errc handshake(std::initializer_list<std::string> args, const char* what) {
    argv.clear();
    argv_len.clear();
    for (auto& a : args) {
      argv.push_back(a.data());
      argv_len.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), argv_len.data()));
    if (!r)
      return io_failure();
    bool refused = r->type == REDIS_REPLY_ERROR;
    std::string text = refused ? std::string(r->str, r->len) : std::string{};
    freeReplyObject(r);
    if (refused) {
      if (!outage_logged)
        log->error("redis {} refused {}: {}", endpoint(), what, text);
      outage_logged = true;
      return fail(errc::server_error, std::string{what} + " refused: " + text);
    }
    return errc::ok;
  }

  /// Maps the context's error after a failed hiredis call; resets.
  errc io_failure() {
    int saved_errno = errno;
    errc e = errc::io_error;
    std::string what = ctx ? std::string{ctx->errstr} : std::string{"no context"};
    if (ctx) {
      switch (ctx->err) {
      case REDIS_ERR_IO:
        if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT)
          e = errc::timeout;
        break;
      case REDIS_ERR_PROTOCOL:
        e = errc::protocol;
        break;
      default:
        break;
      }
    }
    return fail(e, what);
  }

  errc connect() {
    timeval tv = to_timeval(opts.connect_timeout_ms);
    ctx = redisConnectWithTimeout(opts.host.c_str(), opts.port, tv);
    if (!ctx || ctx->err) {
      std::string what = ctx ? std::string{ctx->errstr} : std::string{"out of memory"};
      return fail(errc::disconnected, "connect: " + what);
    }
    if (redisSetTimeout(ctx, to_timeval(opts.command_timeout_ms)) != REDIS_OK)
      return io_failure();
    // hiredis 0.14.1 already sets TCP_NODELAY when it connects over TCP
    // (checked: getsockopt reads 1). Keep the check so that a different
    // hiredis build cannot bring Nagle back silently.
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    if (getsockopt(ctx->fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0 && !nodelay) {
      int yes = 1;
      setsockopt(ctx->fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    }
    if (!opts.username.empty()) {
      // Redis 6+ ACL user; never logged (handshake logs the command name only).
      if (auto e = handshake({"AUTH", opts.username, opts.password}, "AUTH"); e != errc::ok)
        return e;
    } else if (!opts.password.empty()) {
      if (auto e = handshake({"AUTH", opts.password}, "AUTH"); e != errc::ok)
        return e;
    }
    if (opts.db != 0) {
      if (auto e = handshake({"SELECT", std::to_string(opts.db)}, "SELECT"); e != errc::ok)
        return e;
    }
    live = true;
    up.set(1);
    if (ever_connected)
      reconnects.inc();
    else if (!outage_logged)
      log->info("connected to redis {}", endpoint());
    ever_connected = true;
    return errc::ok;
  }

  /// Sends `n` commands in one write and reads their replies.
  errc run(const command* cmds, size_t n, std::vector<reply>& out) {
    out.clear();
    if (n == 0)
      return errc::ok;
    sigpipe_guard guard;
    auto finish_error = [&](errc e) {
      guard.failed();
      errors.inc();
      out.clear();
      return e;
    };
    if (auto e = ensure_connected(); e != errc::ok)
      return finish_error(e);

    pipelines.inc();
    commands.inc(n);
    for (size_t i = 0; i < n; ++i) {
      argv.clear();
      argv_len.clear();
      for (auto& a : cmds[i]) {
        argv.push_back(a.data());
        argv_len.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(),
                                 argv_len.data()) != REDIS_OK)
        return finish_error(io_failure());
    }
    out.resize(n);
    for (size_t i = 0; i < n; ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx, &raw) != REDIS_OK || !raw)
        return finish_error(io_failure());
      auto* r = static_cast<redisReply*>(raw);
      convert(r, out[i]);
      freeReplyObject(r);
    }
    // A full round trip worked: the outage (if any) is over and the next
    // failure starts the backoff from min again. Declared here rather than
    // at connect time, so that a server that accepts connections but cannot
    // answer (paused, loading) logs one warning, not one pair per attempt.
    backoff_ms = 0;
    if (outage_logged) {
      log->info("connection to redis {} restored", endpoint());
      outage_logged = false;
    }
    return errc::ok;
  }

  errc ensure_connected() {
    if (live)
      return errc::ok;
    if (backoff_ms != 0 && steady_now_us() < next_attempt_us)
      return errc::disconnected;
    return connect();
  }
};

connection::connection(connection_options opts, metrics::registry& reg, std::string metric_prefix)
    : impl_(std::make_unique<impl>(std::move(opts), reg, metric_prefix)) {}

connection::~connection() = default;

errc connection::ensure_connected() {
  sigpipe_guard guard;
  auto e = impl_->ensure_connected();
  if (e != errc::ok)
    guard.failed();
  return e;
}

bool connection::connected() const {
  return impl_->live;
}

errc connection::pipeline(const std::vector<command>& cmds, std::vector<reply>& out) {
  return impl_->run(cmds.data(), cmds.size(), out);
}

errc connection::call(const command& cmd, reply& out) {
  auto& replies = impl_->scratch_replies;
  auto e = impl_->run(&cmd, 1, replies);
  out = e == errc::ok ? std::move(replies.front()) : reply{};
  replies.clear();
  return e;
}

void connection::reset() {
  auto& d = *impl_;
  if (d.live)
    d.log->info("dropping connection to redis {} on request", d.endpoint());
  d.drop();
  d.schedule_backoff();
}

const connection_options& connection::options() const {
  return impl_->opts;
}

} // namespace shelfwire::redis
