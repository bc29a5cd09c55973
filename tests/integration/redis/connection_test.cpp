#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/metrics/registry.hpp"
#include "runtime/redis/connection.hpp"
#include "tests/integration/redis/redis_test_support.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using redis::errc;
using kind = redis::reply::kind;

namespace {

int64_t gauge(metrics::registry& reg, const char* name) {
  return reg.get_gauge(name).value();
}

/// A TCP listener on loopback that accepts connections and closes them at
/// once, counting them: every connect attempt of a client is one accept.
class slamming_listener {
public:
  slamming_listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread{[this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          int c = ::accept(fd_, nullptr, nullptr);
          if (c >= 0) {
            ++accepted_;
            ::close(c);
          }
        }
      }
    }};
  }
  ~slamming_listener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

} // namespace

TEST_CASE("connects lazily, answers PING and a pipeline of 1000 commands") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  CHECK_FALSE(c.connected());
  CHECK(gauge(reg, "redis.up") == 0);

  redis::reply r;
  REQUIRE(c.call({"PING"}, r) == errc::ok);
  CHECK(r.type == kind::status);
  CHECK(r.str == "PONG");
  CHECK(c.connected());
  CHECK(gauge(reg, "redis.up") == 1);

  std::vector<redis::command> cmds(1000, redis::command{"INCR", "ctr"});
  std::vector<redis::reply> out;
  REQUIRE(c.pipeline(cmds, out) == errc::ok);
  REQUIRE(out.size() == 1000);
  for (size_t i = 0; i < out.size(); ++i) {
    REQUIRE(out[i].type == kind::integer);
    REQUIRE(out[i].integer == static_cast<int64_t>(i + 1));
  }
  // Binary-safe arguments and replies.
  std::string bin("a\0b\r\n", 5);
  REQUIRE(c.call({"SET", "bin", bin}, r) == errc::ok);
  REQUIRE(c.call({"GET", "bin"}, r) == errc::ok);
  CHECK(r.str == bin);

  CHECK(reg.counter_value("redis.commands") == 1003);
  CHECK(reg.counter_value("redis.pipelines") == 4);
  CHECK(reg.counter_value("redis.errors") == 0);
  CHECK(reg.counter_value("redis.reconnects") == 0);

  // An empty pipeline is a no-op that does not count.
  REQUIRE(c.pipeline({}, out) == errc::ok);
  CHECK(out.empty());
  CHECK(reg.counter_value("redis.pipelines") == 4);
}

TEST_CASE("server errors stay in their reply; nested replies convert") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "r"};
  std::vector<redis::command> cmds{
      {"SET", "k", "v"},      {"INCR", "k"},      {"GET", "k"},
      {"NO-SUCH-COMMAND"},    {"GET", "missing"}, {"EVAL", "return {1, {'x', {2, -3}}, 'y'}", "0"},
      {"HGETALL", "missing"},
  };
  std::vector<redis::reply> out;
  REQUIRE(c.pipeline(cmds, out) == errc::ok);
  REQUIRE(out.size() == cmds.size());
  CHECK(out[0].type == kind::status);
  CHECK(out[0].str == "OK");
  CHECK(out[1].is_error());
  CHECK_THAT(out[1].str, Catch::Contains("not an integer"));
  CHECK(out[2].type == kind::string);
  CHECK(out[2].str == "v");
  CHECK(out[3].is_error());
  CHECK_THAT(out[3].str, Catch::StartsWith("ERR unknown command"));
  CHECK(out[4].type == kind::nil);
  auto& nested = out[5];
  REQUIRE(nested.type == kind::array);
  REQUIRE(nested.elements.size() == 3);
  CHECK(nested.elements[0].integer == 1);
  REQUIRE(nested.elements[1].elements.size() == 2);
  CHECK(nested.elements[1].elements[0].str == "x");
  REQUIRE(nested.elements[1].elements[1].elements.size() == 2);
  CHECK(nested.elements[1].elements[1].elements[1].integer == -3);
  CHECK(nested.elements[2].str == "y");
  CHECK(out[6].type == kind::array);
  CHECK(out[6].elements.empty());

  // The connection is unharmed and nothing counted as an error.
  CHECK(c.connected());
  CHECK(reg.counter_value("r.errors") == 0);
  redis::reply r;
  CHECK(c.call({"PING"}, r) == errc::ok);
}

TEST_CASE("a redis restart fails calls with an errc, then the same object reconnects") {
  redis_server srv;
  metrics::registry reg;
  auto opts = test_options(srv.port());
  opts.reconnect_min_ms = 400; // long enough to observe the fail-fast window
  opts.reconnect_max_ms = 800;
  redis::connection c{opts, reg, "redis"};
  redis::reply r;
  REQUIRE(c.call({"SET", "before", "1"}, r) == errc::ok);

  srv.restart();
  auto e = c.call({"PING"}, r);
  CHECK(e == errc::io_error);
  CHECK_FALSE(c.connected());
  CHECK(gauge(reg, "redis.up") == 0);

  // Redis is back already, yet within the backoff the call fails fast
  // without trying the network.
  auto t0 = steady_now_us();
  CHECK(c.call({"PING"}, r) == errc::disconnected);
  CHECK(c.ensure_connected() == errc::disconnected);
  CHECK(elapsed_ms(t0) < 100);
  CHECK_FALSE(c.connected());

  REQUIRE(wait_until([&] { return c.call({"PING"}, r) == errc::ok; }, 5s));
  CHECK(elapsed_ms(t0) >= 300); // waited out (most of) the backoff
  CHECK(c.connected());
  CHECK(gauge(reg, "redis.up") == 1);
  CHECK(reg.counter_value("redis.reconnects") == 1);
  CHECK(reg.counter_value("redis.errors") >= 3);
  // No persistence: the restarted server is empty.
  REQUIRE(c.call({"EXISTS", "before"}, r) == errc::ok);
  CHECK(r.integer == 0);
}

TEST_CASE("a server that stays down is retried with exponential backoff, then recovers") {
  slamming_listener lst; // accepts and hangs up at once: every attempt counts
  metrics::registry reg;
  auto opts = test_options(lst.port());
  opts.reconnect_min_ms = 50;
  opts.reconnect_max_ms = 400;
  redis::connection c{opts, reg, "redis"};
  redis::reply r;
  auto t0 = steady_now_us();
  int calls = 0;
  while (elapsed_ms(t0) < 1500) {
    CHECK(c.call({"PING"}, r) != errc::ok);
    ++calls;
    std::this_thread::sleep_for(1ms); // a busy caller
  }
  // Attempts at ~0, 50, 150, 350, 750, 1150 ms: a handful, not `calls`.
  CHECK(calls > 200);
  CHECK(lst.accepted() >= 4);
  CHECK(lst.accepted() <= 8);
  // TCP connects succeed (and count), the first command on each fails.
  CHECK(reg.counter_value("redis.reconnects") <= static_cast<uint64_t>(lst.accepted()));
}

TEST_CASE("nothing listening: calls fail with disconnected, quickly") {
  metrics::registry reg;
  auto opts = test_options(free_port());
  redis::connection c{opts, reg, "redis"};
  redis::reply r;
  auto t0 = steady_now_us();
  CHECK(c.call({"PING"}, r) == errc::disconnected);
  CHECK(c.call({"PING"}, r) == errc::disconnected);
  std::vector<redis::reply> out{redis::reply{}};
  CHECK(c.pipeline({{"PING"}, {"PING"}}, out) == errc::disconnected);
  CHECK(out.empty());
  CHECK(elapsed_ms(t0) < 1000);
  CHECK_FALSE(c.connected());
  CHECK(reg.counter_value("redis.errors") == 3);
  CHECK(reg.counter_value("redis.commands") == 0);
}

TEST_CASE("a command slower than command_timeout_ms resets the connection") {
  redis_server srv;
  metrics::registry reg;
  auto opts = test_options(srv.port());
  opts.command_timeout_ms = 200;
  redis::connection c{opts, reg, "redis"};
  redis::connection admin{test_options(srv.port()), reg, "admin"};
  redis::reply r;
  REQUIRE(c.call({"PING"}, r) == errc::ok);
  REQUIRE(admin.call({"CLIENT", "PAUSE", "1500", "ALL"}, r) == errc::ok);
  REQUIRE(r.str == "OK");

  auto t0 = steady_now_us();
  CHECK(c.call({"PING"}, r) == errc::timeout);
  auto took = elapsed_ms(t0);
  CHECK(took >= 150);
  CHECK(took < 1400);
  CHECK_FALSE(c.connected());
  CHECK(gauge(reg, "redis.up") == 0);

  // Once the pause is over, the same object reconnects.
  REQUIRE(wait_until([&] { return c.call({"PING"}, r) == errc::ok; }, 10s));
  CHECK(r.str == "PONG");
  // Connects made while Redis was still paused count too.
  CHECK(reg.counter_value("redis.reconnects") >= 1);
}

TEST_CASE("AUTH and SELECT when configured; a refused AUTH is a server_error") {
  redis_server srv;
  metrics::registry reg;
  redis::connection admin{test_options(srv.port()), reg, "admin"};
  redis::reply r;
  REQUIRE(admin.call({"CONFIG", "SET", "requirepass", "s3cret"}, r) == errc::ok);
  REQUIRE(r.str == "OK");

  auto good = test_options(srv.port());
  good.password = "s3cret";
  good.db = 3;
  redis::connection c{good, reg, "good"};
  REQUIRE(c.call({"SET", "where", "db3"}, r) == errc::ok);
  CHECK(r.str == "OK");
  REQUIRE(admin.call({"SELECT", "3"}, r) == errc::ok);
  REQUIRE(admin.call({"GET", "where"}, r) == errc::ok);
  CHECK(r.str == "db3");
  REQUIRE(admin.call({"SELECT", "0"}, r) == errc::ok);
  REQUIRE(admin.call({"EXISTS", "where"}, r) == errc::ok);
  CHECK(r.integer == 0);

  auto bad = test_options(srv.port());
  bad.password = "wrong";
  redis::connection b{bad, reg, "bad"};
  CHECK(b.call({"PING"}, r) == errc::server_error);
  CHECK_FALSE(b.connected());
  CHECK(b.call({"PING"}, r) == errc::disconnected); // backoff applies

  // Without a password the connection works but Redis refuses the command.
  redis::connection anon{test_options(srv.port()), reg, "anon"};
  REQUIRE(anon.call({"GET", "x"}, r) == errc::ok);
  CHECK(r.is_error());
  CHECK_THAT(r.str, Catch::StartsWith("NOAUTH"));
}

TEST_CASE("reset() drops the connection; the next call reconnects after the backoff") {
  redis_server srv;
  metrics::registry reg;
  redis::connection c{test_options(srv.port()), reg, "redis"};
  redis::reply r;
  REQUIRE(c.call({"CLIENT", "ID"}, r) == errc::ok);
  auto first_id = r.integer;
  c.reset();
  CHECK_FALSE(c.connected());
  REQUIRE(wait_until([&] { return c.call({"CLIENT", "ID"}, r) == errc::ok; }, 5s));
  CHECK(r.integer != first_id);
  CHECK(reg.counter_value("redis.reconnects") == 1);
}
