// Stop signals: shelfwire-node and shelfwire-gw-emu exit 0 on SIGTERM and
// SIGINT, within a bound, without sanitizer reports; a node stopped with
// commands in flight still publishes the job's result.

#include <csignal>

#include "tests/integration/process/process_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const char* signal_name(int sig) {
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

} // namespace

TEST_CASE("an idle node process exits 0 on SIGTERM and on SIGINT", "[process][signal]") {
  process_env env;
  env.connect_clients();
  for (int sig : {SIGTERM, SIGINT}) {
    DYNAMIC_SECTION(signal_name(sig)) {
      auto cfg = env.node(std::string{"proc-idle-"} + (sig == SIGTERM ? "term" : "int"));
      auto proc = start_node(env.dir, cfg);
      show_logs_on_failure logs{{"node", &proc}};
      REQUIRE(env.wait_node_ready(cfg.name));
      auto t0 = std::chrono::steady_clock::now();
      auto status = signal_and_wait(proc, sig);
      auto took = std::chrono::steady_clock::now() - t0;
      auto log = read_text(proc.log_path());
      INFO("node log:\n" << log);
      CHECK(status == 0);
      CHECK(took < exit_bound);
      CHECK_FALSE(has_sanitizer_report(log));
      CHECK(log.find(std::string{"received "} + signal_name(sig) + ", stopping") !=
            std::string::npos);
      CHECK(log.find("node '" + cfg.name + "' stopped") != std::string::npos);
    }
  }
}

TEST_CASE("a node process that never reached the broker exits 0 on SIGTERM", "[process][signal]") {
  temp_dir dir;
  redis_server redis;
  tcp_probe mute; // accepts TCP connections but never speaks MQTT
  for (bool refused : {true, false}) {
    DYNAMIC_SECTION((refused ? "connection refused" : "broker never answers")) {
      node_settings cfg;
      cfg.name = refused ? "proc-refused" : "proc-mute";
      cfg.mqtt_url = "tcp://127.0.0.1:" + std::to_string(refused ? free_port() : mute.port());
      cfg.redis_port = redis.port();
      auto proc = start_node(dir, cfg);
      show_logs_on_failure logs{{"node", &proc}};
      // Started, and retrying in the background (after connect-timeout-ms * 2).
      REQUIRE(
          wait_until([&] { return log_has(proc, "MQTT not ready yet") || !proc.running(); }, 20s));
      REQUIRE(proc.running());
      auto status = signal_and_wait(proc, SIGTERM);
      auto log = read_text(proc.log_path());
      INFO("node log:\n" << log);
      CHECK(status == 0);
      CHECK_FALSE(has_sanitizer_report(log));
      if (!refused)
        CHECK(mute.contacted());
    }
  }
}

TEST_CASE("shelfwire-gw-emu exits 0 on SIGTERM and on SIGINT", "[process][signal]") {
  temp_dir dir;
  mosquitto_server broker;
  for (int sig : {SIGTERM, SIGINT}) {
    DYNAMIC_SECTION(signal_name(sig)) {
      store_settings ss;
      ss.gateways = 3;
      ss.esls = 30;
      auto name = std::string{"proc-emu-"} + (sig == SIGTERM ? "term" : "int");
      auto emu = start_emulator(dir, name, broker.url(), ss, 200);
      show_logs_on_failure logs{{"emulator", &emu}};
      REQUIRE(wait_until([&] { return log_has_line(emu, "ready") || !emu.running(); }, 30s));
      REQUIRE(emu.running());
      auto status = signal_and_wait(emu, sig);
      auto log = read_text(emu.log_path());
      INFO("emulator log:\n" << log);
      CHECK(status == 0);
      CHECK_FALSE(has_sanitizer_report(log));
      CHECK(log.find("stopped") != std::string::npos);
    }
  }
}

namespace {

/// What a node stopped with commands in flight left behind.
struct in_flight_stop {
  sim::emulator_options store;
  wire::job_submission job;
  std::optional<wire::job_result> result;
  std::optional<int> status; ///< exit status
  std::chrono::steady_clock::duration took{};
  std::string log;
  uint64_t actions = 0; ///< actions the gateways had when the signal went out
};

/// A node process whose gateways never answer gets a job; once every
/// command has its action at a gateway, the node gets SIGTERM.
in_flight_stop stop_with_commands_in_flight(process_env& env, const std::string& name) {
  in_flight_stop out;
  out.store = sim::gateway_emulator::simple_store(4, 120, 1, 3);
  out.store.mqtt = test_client(env.broker.url(), name + "-emu");
  sim::gateway_emulator emu{out.store, env.reg};
  REQUIRE(emu.start());
  REQUIRE(emu.wait_ready(10s));
  sim::gateway_behavior silent;
  silent.silent = true;
  emu.set_behavior_all(silent);
  emu.advertise_every(300ms);

  auto cfg = env.node(name);
  cfg.drain_timeout_ms = 300;
  // One attempt outlives the test: commands stay in flight until the stop.
  cfg.attempt_timeout_ms = 120'000;
  cfg.timeout_ms = 300'000;
  // Windows wide enough that every command's action is out (the shutdown
  // of waiting ones: command_path_test).
  auto proc =
      start_node(env.dir, cfg, {"--gateway.window-initial=1000", "--gateway.window-max=1000"});
  show_logs_on_failure logs{{"node", &proc}};
  REQUIRE(env.wait_node_ready(cfg.name));
  REQUIRE(env.wait_converged(cfg.name, adverts_per_round(out.store)));

  out.job = sim::make_job(name + "-job", esls_of(out.store), out.store.esls.size());
  REQUIRE(env.producer->submit(out.job));
  // Every command has its action at a (silent) gateway.
  auto actions = [&] {
    uint64_t n = 0;
    for (auto& [gw, k] : emu.actions_per_gateway())
      n += k;
    return n;
  };
  REQUIRE(wait_until([&] { return actions() >= out.job.commands.size(); }, 30s));
  out.actions = actions();
  REQUIRE_FALSE(env.producer->wait_result(out.job.job, 0ms)); // nothing ended yet

  auto t0 = std::chrono::steady_clock::now();
  proc.signal(SIGTERM);
  out.result = env.producer->wait_result(out.job.job, exit_bound);
  out.status = proc.wait_exit(exit_bound);
  out.took = std::chrono::steady_clock::now() - t0;
  out.log = read_text(proc.log_path());
  return out;
}

} // namespace

TEST_CASE("SIGTERM with commands in flight: the result is published, all failed (shutdown), exit 0",
          "[process][signal][drain]") {
  process_env env;
  env.connect_clients();
  auto s = stop_with_commands_in_flight(env, "proc-drain");
  INFO("node log:\n" << s.log);
  CHECK(s.actions == s.job.commands.size());
  REQUIRE(s.result);
  auto& r = *s.result;
  CHECK_FALSE(r.rejected);
  CHECK(r.node == "proc-drain");
  REQUIRE(r.outcomes.size() == s.job.commands.size());
  CHECK(r.counts()[static_cast<size_t>(outcome_status::failed)] == s.job.commands.size());
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    auto& o = r.outcomes[i];
    INFO("outcome " << i);
    CHECK(o.esl == s.job.commands[i].esl);
    CHECK(o.status == outcome_status::failed);
    CHECK(o.reason == "shutdown");
  }
  CHECK(s.status == 0);
  CHECK(s.took < exit_bound);
  CHECK_FALSE(has_sanitizer_report(s.log));
  CHECK(s.log.find(std::to_string(s.job.commands.size()) + " commands ended failed (shutdown)") !=
        std::string::npos);
  CHECK(env.producer->duplicate_results() == 0);
}

// docs/northbound.md: `attempts` counts the actions published for the
// command, `gw` is the last gateway tried (nil only if no action was ever
// published). Here every command had one action at its home gateway when the
// node stopped; the supervisor, which writes these outcomes itself, must
// still report them.
TEST_CASE("a command ended by the shutdown keeps its attempts and last gateway",
          "[process][signal][drain]") {
  process_env env;
  env.connect_clients();
  auto s = stop_with_commands_in_flight(env, "proc-drain-fields");
  REQUIRE(s.result);
  REQUIRE(s.result->outcomes.size() == s.store.esls.size());
  size_t with_attempt = 0;
  size_t with_home_gw = 0;
  for (size_t i = 0; i < s.result->outcomes.size(); ++i) {
    auto& o = s.result->outcomes[i];
    with_attempt += o.attempts == 1;
    with_home_gw += o.gw == s.store.esls[i].heard_by.front().first;
  }
  CHECK(with_attempt == s.result->outcomes.size());
  CHECK(with_home_gw == s.result->outcomes.size());
}
