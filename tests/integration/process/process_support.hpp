#pragma once

// Helpers for the tests that run shelfwire's real binaries as processes:
// running a binary to its exit with stdout and stderr kept apart, a listening
// socket that tells whether anybody connected, node config files, the
// emulator process. JSON (metrics snapshots, reports): tests/support/json.hpp.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/log/log.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "sim/emulator/gateway_emulator.hpp"
#include "sim/producer/job_client.hpp"
#include "sim/runner/metrics_watch.hpp"
#include "tests/support/process.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

namespace shelfwire::testing {

using namespace std::chrono_literals;

/// How long a process may take to exit after SIGTERM/SIGINT (generous for
/// sanitizer builds), and to reject a bad configuration.
inline constexpr std::chrono::milliseconds exit_bound = 10s;
inline constexpr std::chrono::milliseconds config_error_bound = 5s;

/// Where the node publishes its snapshots in these tests.
inline const std::string metrics_topic = "shelfwire-test/metrics";

inline std::string read_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

/// True if a sanitizer (ASan, LSan, UBSan, TSan) reported anything.
inline bool has_sanitizer_report(const std::string& log) {
  return log.find("Sanitizer") != std::string::npos ||
         log.find("runtime error:") != std::string::npos;
}

/// The sanitizer's report in `log` (from its first line on, at most
/// `max_chars`), or "" if there is none: for a failing check's message.
inline std::string sanitizer_excerpt(const std::string& log, size_t max_chars = 6000) {
  auto p = log.find("Sanitizer");
  auto q = log.find("runtime error:");
  if (p == std::string::npos || (q != std::string::npos && q < p))
    p = q;
  if (p == std::string::npos)
    return "";
  auto line = log.rfind('\n', p);
  line = line == std::string::npos ? 0 : line + 1;
  return log.substr(line, max_chars);
}

/// A process that ran to its exit.
struct exit_report {
  std::optional<int> status; ///< nullopt: still running at the deadline (then killed)
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

/// Runs `argv` until it exits, at most `timeout`, with stdout and stderr in
/// separate files of `dir` (named after `tag`). The process is killed if it
/// is still running at the deadline.
inline exit_report run_to_exit(const temp_dir& dir, const std::string& tag,
                               std::vector<std::string> argv,
                               std::chrono::milliseconds timeout = config_error_bound) {
  auto out_path = dir.file(tag + ".out");
  auto err_path = dir.file(tag + ".err");
  // sh redirects stderr and then execs the program: same pid, same status.
  std::vector<std::string> sh{"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", err_path};
  sh.insert(sh.end(), argv.begin(), argv.end());
  auto t0 = std::chrono::steady_clock::now();
  auto proc = child_process::start(std::move(sh), out_path);
  exit_report r;
  r.status = proc.wait_exit(timeout);
  r.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  if (!r.status)
    proc.stop(1s);
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  return r;
}

/// A listening socket on a free loopback port that nobody serves: tells
/// whether a process tried to connect (the kernel completes the handshake
/// and queues the connection until accepted).
class tcp_probe {
public:
  tcp_probe() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot listen on a loopback port");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~tcp_probe() { ::close(fd_); }
  tcp_probe(const tcp_probe&) = delete;
  tcp_probe& operator=(const tcp_probe&) = delete;

  uint16_t port() const { return port_; }

  /// True if some connection was made (and not yet reported).
  bool contacted() {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0)
      return false;
    ::close(c);
    return true;
  }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

inline mqtt::client_options test_client(const std::string& url, const std::string& id) {
  mqtt::client_options o;
  o.url = url;
  o.client_id = id;
  o.reconnect_min_ms = 20;
  o.reconnect_max_ms = 200;
  return o;
}

/// The keys of a node's config file these tests care about.
struct node_settings {
  std::string name = "proc-node";
  std::string mqtt_url;
  uint16_t redis_port = 0;
  int64_t metrics_interval_ms = 200;
  int64_t drain_timeout_ms = 2000;
  int64_t attempt_timeout_ms = 2000;
  int64_t timeout_ms = 30000;
  int64_t connect_timeout_ms = 1000;
  std::string log_level = "info";
  int router_pool_size = 2;
  std::string extra_ini; ///< appended verbatim
};

inline std::string node_ini(const node_settings& s) {
  std::ostringstream o;
  o << "; written by process_tests\n"
    << "[node]\n"
    << "name = " << s.name << "\n"
    << "drain-timeout-ms = " << s.drain_timeout_ms << "\n"
    << "\n[scheduler]\n"
    << "threads = 2\n"
    << "\n[log]\n"
    << "level = " << s.log_level << "\n"
    << "\n[metrics]\n"
    << "interval-ms = " << s.metrics_interval_ms << "\n"
    << "topic = " << metrics_topic << "\n"
    << "\n[mqtt]\n"
    << "url = \"" << s.mqtt_url << "\"\n"
    << "connect-timeout-ms = " << s.connect_timeout_ms << "\n"
    << "reconnect-min-ms = 20\n"
    << "reconnect-max-ms = 200\n"
    << "\n[redis]\n"
    << "host = 127.0.0.1\n"
    << "port = " << s.redis_port << "\n"
    << "reconnect-min-ms = 20\n"
    << "reconnect-max-ms = 200\n"
    << "\n[routers]\n"
    << "pool-size = " << s.router_pool_size << "\n"
    << "\n[commands]\n"
    << "supervisors = 2\n"
    << "attempt-timeout-ms = " << s.attempt_timeout_ms << "\n"
    << "timeout-ms = " << s.timeout_ms << "\n"
    << "unavailable-backoff-ms = 50\n"
    << s.extra_ini;
  return o.str();
}

/// Writes `{dir}/{name}.ini` and starts shelfwire-node with it; the log is
/// `{dir}/{name}.log`.
inline child_process start_node(const temp_dir& dir, const node_settings& s,
                                std::vector<std::string> extra_args = {}) {
  auto ini = dir.file(s.name + ".ini");
  write_text(ini, node_ini(s));
  std::vector<std::string> argv{build_binary("shelfwire-node"), "--config", ini};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return child_process::start(std::move(argv), dir.file(s.name + ".log"));
}

/// The emulated store the emulator process plays (same seed, same MACs).
struct store_settings {
  size_t gateways = 5;
  size_t esls = 500;
  size_t extra_hearers = 1;
  uint64_t seed = 7;
};

inline sim::emulator_options store_of(const store_settings& s) {
  return sim::gateway_emulator::simple_store(s.gateways, s.esls, s.extra_hearers, s.seed);
}

/// Adverts one full status round of the store carries.
inline int64_t adverts_per_round(const sim::emulator_options& store) {
  int64_t n = 0;
  for (auto& e : store.esls)
    n += static_cast<int64_t>(e.heard_by.size());
  return n;
}

inline std::vector<esl_mac> esls_of(const sim::emulator_options& store) {
  std::vector<esl_mac> out;
  for (auto& e : store.esls)
    out.push_back(e.esl);
  return out;
}

/// Starts shelfwire-gw-emu playing `s`, advertising every
/// `status_interval_ms`; the log (stdout and stderr) is `{dir}/{name}.log`.
inline child_process start_emulator(const temp_dir& dir, const std::string& name,
                                    const std::string& url, const store_settings& s,
                                    int64_t status_interval_ms,
                                    std::vector<std::string> extra_args = {}) {
  std::vector<std::string> argv{build_binary("shelfwire-gw-emu"),
                                "--mqtt.url=" + url,
                                "--mqtt.client-id=" + name,
                                "--store.gateways=" + std::to_string(s.gateways),
                                "--store.esls=" + std::to_string(s.esls),
                                "--store.extra-hearers=" + std::to_string(s.extra_hearers),
                                "--store.seed=" + std::to_string(s.seed),
                                "--store.status-interval-ms=" + std::to_string(status_interval_ms),
                                "--log.stats-interval-ms=0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return child_process::start(std::move(argv), dir.file(name + ".log"));
}

/// True once `line` is a whole line of the process's log.
inline bool log_has_line(const child_process& p, const std::string& line) {
  auto log = read_text(p.log_path());
  return log.rfind(line + "\n", 0) == 0 || log.find("\n" + line + "\n") != std::string::npos;
}

inline bool log_has(const child_process& p, const std::string& text) {
  return read_text(p.log_path()).find(text) != std::string::npos;
}

/// Prints the tails of some processes' logs on stderr when the scope is left
/// by a failed REQUIRE (or any exception), so a failure shows what the
/// processes said. Catch's INFO would capture the logs too early.
class show_logs_on_failure {
public:
  show_logs_on_failure(std::initializer_list<std::pair<std::string, const child_process*>> procs)
      : procs_(procs)
      , exceptions_(std::uncaught_exceptions()) {}
  ~show_logs_on_failure() {
    if (std::uncaught_exceptions() <= exceptions_)
      return;
    for (auto& [label, p] : procs_)
      std::cerr << "---- " << label << " log (" << p->log_path() << "), last bytes:\n"
                << p->log_tail(6000) << "\n---- end of " << label << " log\n";
  }
  show_logs_on_failure(const show_logs_on_failure&) = delete;
  show_logs_on_failure& operator=(const show_logs_on_failure&) = delete;

  void add(std::string label, const child_process* p) { procs_.emplace_back(std::move(label), p); }

private:
  std::vector<std::pair<std::string, const child_process*>> procs_;
  int exceptions_;
};

/// Sends `sig` and waits for the exit; the status, or nullopt past the bound.
inline std::optional<int> signal_and_wait(child_process& p, int sig,
                                          std::chrono::milliseconds bound = exit_bound) {
  p.signal(sig);
  return p.wait_exit(bound);
}

/// In-process clients (producer, metrics watch, emulator) log warnings only.
inline void quiet_logs() {
  log::log_options lo;
  lo.level = "warn";
  log::setup(lo);
}

/// True if the node's latest snapshot shows all its MQTT connections up (a
/// client is "up" once its subscriptions are acknowledged), with the default
/// one response consumer and one status consumer.
inline bool node_ready(const sim::metrics_watch& watch, const std::string& node) {
  for (auto* role : {"egress", "intake", "responses0", "status0"})
    if (watch.value(node, std::string{"mqtt."} + role + ".up") != 1)
      return false;
  return true;
}

/// Everything a process-level test needs around one node process: servers,
/// a temp dir, a metrics subscriber and a producer. The node and the
/// emulator are started by the test (their settings differ).
struct process_env {
  temp_dir dir;
  mosquitto_server broker;
  redis_server redis;
  metrics::registry reg;
  std::unique_ptr<sim::metrics_watch> watch;
  std::unique_ptr<sim::job_client> producer;

  process_env() { quiet_logs(); }

  ~process_env() {
    producer.reset();
    watch.reset();
  }

  node_settings node(std::string name) const {
    node_settings s;
    s.name = std::move(name);
    s.mqtt_url = broker.url();
    s.redis_port = redis.port();
    return s;
  }

  /// Subscribes to the metrics snapshots and connects the producer.
  void connect_clients() {
    watch = std::make_unique<sim::metrics_watch>(test_client(broker.url(), "proc-metrics-watch"),
                                                 metrics_topic, reg);
    REQUIRE(watch->start());
    REQUIRE(watch->wait_ready(10s));
    producer = std::make_unique<sim::job_client>(test_client(broker.url(), "proc-producer"),
                                                 "esl/jobs", reg);
    REQUIRE(producer->start());
    REQUIRE(producer->wait_ready(10s));
  }

  int64_t metric(const std::string& node, std::string_view name) const {
    return watch->value(node, name);
  }

  /// Waits until the node's snapshot says every MQTT connection is up and
  /// subscribed: it takes jobs, gateway replies and status reports.
  bool wait_node_ready(const std::string& node, std::chrono::milliseconds timeout = 30s) {
    return wait_until([&] { return node_ready(*watch, node); }, timeout);
  }

  /// Waits until the node has written at least `adverts` adverts to the RSSI
  /// table (with the emulator advertising periodically, this is a full round).
  bool wait_converged(const std::string& node, int64_t adverts,
                      std::chrono::milliseconds timeout = 30s) {
    return wait_until([&] { return metric(node, "status.adverts_applied") >= adverts; }, timeout);
  }
};

inline size_t count_status(const wire::job_result& r, outcome_status s) {
  size_t n = 0;
  for (auto& o : r.outcomes)
    n += o.status == s;
  return n;
}

} // namespace shelfwire::testing
