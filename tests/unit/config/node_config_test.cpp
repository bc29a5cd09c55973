#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/node_config.hpp"
#include "config/render.hpp"
#include "temp_file.hpp"

using namespace shelfwire;
using namespace shelfwire::config;
using shelfwire::config::test::temp_file;

namespace {

using args_t = std::vector<std::string>;

std::string source_path(const std::string& rel) {
  return std::string{SHELFWIRE_SOURCE_DIR} + "/" + rel;
}

std::string read_text(const std::string& path) {
  std::ifstream f{path, std::ios::binary};
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

node_options load_ok(const args_t& args) {
  auto r = load_node_config(args);
  INFO((r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  return r->options;
}

config_error load_fail(const args_t& args) {
  auto r = load_node_config(args);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

/// Every key whose value differs between a and b, with both values.
std::vector<std::string> differences(const node_options& a, const node_options& b) {
  auto va = node_schema().read(a);
  auto vb = node_schema().read(b);
  std::vector<std::string> out;
  for (const auto& spec : node_schema().keys())
    if (!(va.find(spec.key)->v == vb.find(spec.key)->v))
      out.push_back(spec.key + ": " + display_value(spec, va.find(spec.key)->v) + " vs " +
                    display_value(spec, vb.find(spec.key)->v));
  return out;
}

/// A legal value for each key that differs from its default.
const std::map<std::string, std::string>& non_default_values() {
  static const std::map<std::string, std::string> v = {
      {"node.name", "store-17.a"},
      {"node.drain-timeout-ms", "0"},
      {"scheduler.threads", "3"},
      {"scheduler.policy", "stealing"},
      {"log.level", "debug"},
      {"log.module-levels", "mqtt=trace, redis=off"},
      {"log.file", "/var/log/shelfwire node.log"},
      {"metrics.interval-ms", "0"},
      {"metrics.topic", ""},
      {"log.format", "json"},
      {"metrics.listen", "127.0.0.1:9464"},
      {"metrics.token", "scrape-t0ken"},
      {"metrics.insecure", "true"},
      {"presence.topic", ""},
      {"mqtt.url", "ssl://[::1]:18883"},
      {"mqtt.client-id-prefix", "sw_2-x"},
      {"mqtt.username", "user"},
      {"mqtt.password", "p\"a ss#;"},
      {"mqtt.keepalive-s", "3600"},
      {"mqtt.max-inflight", "65535"},
      {"mqtt.connect-timeout-ms", "100"},
      {"mqtt.reconnect-min-ms", "10"},
      {"mqtt.reconnect-max-ms", "10"},
      {"mqtt.tcp-nodelay", "false"},
      {"mqtt.tls-ca", "/etc/shelfwire/mqtt ca.pem"},
      {"mqtt.tls-certificate", "/etc/shelfwire/mqtt-node.pem"},
      {"mqtt.tls-key", "/etc/shelfwire/mqtt-node.key"},
      {"mqtt.tls-key-password", "mqtt k#pass"},
      {"mqtt.tls-verify-host", "false"},
      {"redis.host", "redis.example"},
      {"redis.port", "1"},
      {"redis.password", "r3dis pw"},
      {"redis.username", "shelfwire-node"},
      {"redis.db", "15"},
      {"redis.connect-timeout-ms", "10"},
      {"redis.command-timeout-ms", "60000"},
      {"redis.reconnect-min-ms", "60000"},
      {"redis.reconnect-max-ms", "600000"},
      {"redis.key-prefix", "a.b:c-d_e"},
      {"gateway.topic-prefix", "store/gw"},
      {"gateway.response-consumers", "64"},
      {"gateway.response-share-group", "g1"},
      {"gateway.flow-control", "false"},
      {"gateway.window-initial", "3"},
      {"gateway.window-min", "2"},
      {"gateway.window-max", "500"},
      {"gateway.breaker-silent-attempts", "0"},
      {"gateway.breaker-cool-down-ms", "10"},
      {"routing.balance-margin-db", "0"},
      {"commands.retry-backoff-ms", "0"},
      {"commands.backoff-max-ms", "1"},
      {"routing.consume", "false"},
      {"routing.consumers", "2"},
      {"routing.share-group", "g2"},
      {"routing.stale-after-ms", "100"},
      {"routing.forget-after-ms", "2592000000"},
      {"routing.max-candidates", "16"},
      {"routing.batch-max-adverts", "1"},
      {"routing.flush-interval-ms", "10000"},
      {"routing.warmup-ms", "0"},
      {"routing.outage-buffer-adverts", "7"},
      {"routing.outage-retry-ms", "60000"},
      {"routers.pool-size", "256"},
      {"routers.lookup-timeout-ms", "10"},
      {"routers.lookup-batch-max", "10000"},
      {"commands.supervisors", "256"},
      {"commands.max-attempts", "16"},
      {"commands.attempt-timeout-ms", "10"},
      {"commands.timeout-ms", "86400000"},
      {"commands.retry-same-gateway", "false"},
      {"commands.retry-on-codes", "0,3,255"},
      {"commands.unavailable-backoff-ms", "60000"},
      {"commands.max-restarts", "0"},
      {"commands.max-running", "0"},
      {"commands.timer-resolution-ms", "1000"},
      {"intake.enabled", "false"},
      {"intake.topic-prefix", "jobs"},
      {"intake.share-group", "g3"},
      {"intake.consumers", "64"},
      {"intake.max-commands-per-job", "1000000"},
      {"intake.max-pending-commands", "100000000"},
      {"intake.max-payload-bytes", "1024"},
      {"intake.dispatch-window", "1"},
      {"intake.replication", "false"},
      {"intake.replication-interval-ms", "7"},
      {"intake.standby-timeout-ms", "333"},
      {"intake.result-retention-ms", "0"},
      {"intake.result-retention-max-bytes", "4096"},
      {"intake.progress-interval-ms", "0"},
      {"intake.rejections-per-s", "100000"},
      {"cluster.bind", "0.0.0.0"},
      {"cluster.port", "4270"},
      {"cluster.advertise-host", "node-a.store-17"},
      {"cluster.seeds", "10.0.0.2:4270, [fd00::3]:4270"},
      {"cluster.gossip-interval-ms", "50"},
      {"cluster.heartbeat-interval-ms", "100"},
      {"cluster.failure-timeout-ms", "600000"},
      {"cluster.handoff-timeout-ms", "0"},
      {"cluster.reply-routing", "naive"},
      {"cluster.tls-ca", "/etc/shelfwire/ca.pem"},
      {"cluster.tls-certificate", "/etc/shelfwire/node a.pem"},
      {"cluster.tls-key", "/etc/shelfwire/node-a.key"},
      {"cluster.tls-key-password", "k pass"},
      {"cluster.insecure", "true"},
      {"inspect.token", "tok en#;"},
      {"inspect.read-token", "read tok"},
  };
  return v;
}

args_t all_overrides() {
  args_t args;
  for (const auto& [k, v] : non_default_values())
    args.push_back("--" + k + "=" + v);
  return args;
}

} // namespace

TEST_CASE("node: the schema is sound and its defaults are the headers' defaults") {
  CHECK(node_schema().problems().empty());
  for (const auto& p : node_schema().problems())
    WARN(p);
  auto r = load_node_config(args_t{});
  REQUIRE(r);
  CHECK(r->action == config_action::run);
  CHECK(differences(r->options, node_options{}).empty());
  CHECK(node_schema().keys().size() == 106);
}

TEST_CASE("node: every key maps to its field") {
  REQUIRE(non_default_values().size() == node_schema().keys().size());
  auto o = load_ok(all_overrides());
  CHECK(o.name == "store-17.a");
  CHECK(o.drain_timeout_ms == 0);
  CHECK(o.scheduler_threads == 3);
  CHECK(o.scheduler_policy == "stealing");
  CHECK(o.log.level == "debug");
  CHECK(o.log.module_levels == "mqtt=trace, redis=off");
  CHECK(o.log.file == "/var/log/shelfwire node.log");
  CHECK(o.metrics_interval_ms == 0);
  CHECK(o.metrics_topic.empty());
  CHECK(o.mqtt.url == "ssl://[::1]:18883");
  CHECK(o.mqtt_client_id_prefix == "sw_2-x");
  CHECK(o.mqtt.username == "user");
  CHECK(o.mqtt.password == "p\"a ss#;");
  CHECK(o.mqtt.keepalive_s == 3600);
  CHECK(o.mqtt.max_inflight == 65535);
  CHECK(o.mqtt.connect_timeout_ms == 100);
  CHECK(o.mqtt.reconnect_min_ms == 10);
  CHECK(o.mqtt.reconnect_max_ms == 10);
  CHECK_FALSE(o.mqtt.tcp_nodelay);
  CHECK(o.mqtt.tls_ca == "/etc/shelfwire/mqtt ca.pem");
  CHECK(o.mqtt.tls_certificate == "/etc/shelfwire/mqtt-node.pem");
  CHECK(o.mqtt.tls_key == "/etc/shelfwire/mqtt-node.key");
  CHECK(o.mqtt.tls_key_password == "mqtt k#pass");
  CHECK_FALSE(o.mqtt.tls_verify_host);
  CHECK(o.redis.host == "redis.example");
  CHECK(o.redis.port == 1);
  CHECK(o.redis.password == "r3dis pw");
  CHECK(o.redis.username == "shelfwire-node");
  CHECK(o.redis.db == 15);
  CHECK(o.redis.connect_timeout_ms == 10);
  CHECK(o.redis.command_timeout_ms == 60000);
  CHECK(o.redis.reconnect_min_ms == 60000);
  CHECK(o.redis.reconnect_max_ms == 600000);
  CHECK(o.route_table.key_prefix == "a.b:c-d_e");
  CHECK(o.gateway.topic_prefix == "store/gw");
  CHECK(o.gateway.response_consumers == 64);
  CHECK(o.gateway.response_share_group == "g1");
  CHECK_FALSE(o.gateway.flow.enabled);
  CHECK(o.gateway.flow.window_initial == 3);
  CHECK(o.gateway.flow.window_min == 2);
  CHECK(o.gateway.flow.window_max == 500);
  CHECK(o.gateway.flow.breaker_silent_attempts == 0);
  CHECK(o.gateway.flow.breaker_cool_down_ms == 10);
  CHECK(o.gateway.flow.balance_margin_db == 0);
  CHECK(o.commands.retry.retry_backoff_ms == 0);
  CHECK(o.commands.retry.backoff_max_ms == 1);
  CHECK_FALSE(o.routing.consume);
  CHECK(o.routing.consumers == 2);
  CHECK(o.routing.share_group == "g2");
  CHECK(o.route_table.stale_after_ms == 100);
  CHECK(o.route_table.forget_after_ms == 2'592'000'000);
  CHECK(o.route_table.max_candidates == 16);
  CHECK(o.routing.batch_max_adverts == 1);
  CHECK(o.routing.flush_interval_ms == 10000);
  CHECK(o.route_table.warmup_ms == 0);
  CHECK(o.routing.outage_buffer_adverts == 7);
  CHECK(o.routing.outage_retry_ms == 60000);
  CHECK(o.routers.pool_size == 256);
  CHECK(o.routers.lookup_timeout_ms == 10);
  CHECK(o.routers.lookup_batch_max == 10000);
  CHECK(o.commands.supervisors == 256);
  CHECK(o.commands.retry.max_attempts == 16);
  CHECK(o.commands.retry.attempt_timeout_ms == 10);
  CHECK(o.commands.retry.timeout_ms == 86'400'000);
  CHECK_FALSE(o.commands.retry.retry_same_gateway);
  CHECK(o.commands.retry.retry_on_codes == std::vector<uint32_t>{0, 3, 255});
  CHECK(o.commands.retry.unavailable_backoff_ms == 60000);
  CHECK(o.commands.max_restarts == 0);
  CHECK(o.commands.max_running == 0);
  CHECK(o.commands.timer_resolution_ms == 1000);
  CHECK_FALSE(o.intake.enabled);
  CHECK(o.intake.topic_prefix == "jobs");
  CHECK(o.intake.share_group == "g3");
  CHECK(o.intake.consumers == 64);
  CHECK(o.intake.max_commands_per_job == 1'000'000);
  CHECK(o.intake.max_pending_commands == 100'000'000);
  CHECK(o.intake.max_payload_bytes == 1024);
  CHECK(o.intake.dispatch_window == 1);
  CHECK_FALSE(o.intake.replication);
  CHECK(o.intake.replication_interval_ms == 7);
  CHECK(o.intake.standby_timeout_ms == 333);
  CHECK(o.intake.result_retention_ms == 0);
  CHECK(o.intake.result_retention_max_bytes == 4096);
  CHECK(o.intake.progress_interval_ms == 0);
  CHECK(o.intake.rejections_per_s == 100000);
  CHECK(o.cluster.bind == "0.0.0.0");
  CHECK(o.cluster.port == 4270);
  CHECK(o.cluster.advertise_host == "node-a.store-17");
  CHECK(o.cluster.seeds == "10.0.0.2:4270, [fd00::3]:4270");
  CHECK(o.cluster.gossip_interval_ms == 50);
  CHECK(o.cluster.heartbeat_interval_ms == 100);
  CHECK(o.cluster.failure_timeout_ms == 600'000);
  CHECK(o.cluster.handoff_timeout_ms == 0);
  CHECK(o.inspect.token == "tok en#;");
  CHECK(o.cluster.reply_routing == "naive");
  CHECK(o.cluster.tls_ca == "/etc/shelfwire/ca.pem");
  CHECK(o.cluster.tls_certificate == "/etc/shelfwire/node a.pem");
  CHECK(o.cluster.tls_key == "/etc/shelfwire/node-a.key");
  CHECK(o.cluster.tls_key_password == "k pass");
  CHECK(o.cluster.insecure);
  CHECK(o.inspect.read_token == "read tok");
  // Every key moved away from its default.
  CHECK(differences(o, node_options{}).size() == node_schema().keys().size());
}

TEST_CASE("node: integer ranges, both ends") {
  struct range_case {
    std::string key;
    int64_t min, max;
  };
  std::vector<range_case> cases = {
      {"node.drain-timeout-ms", 0, 600000},
      {"scheduler.threads", 0, 256},
      {"metrics.interval-ms", 0, 3600000},
      {"mqtt.keepalive-s", 1, 3600},
      {"mqtt.max-inflight", 1, 65535},
      {"mqtt.connect-timeout-ms", 100, 60000},
      {"mqtt.reconnect-min-ms", 10, 60000},
      {"mqtt.reconnect-max-ms", 10, 600000},
      {"redis.port", 1, 65535},
      {"redis.db", 0, 15},
      {"redis.connect-timeout-ms", 10, 60000},
      {"redis.command-timeout-ms", 10, 60000},
      {"gateway.response-consumers", 1, 64},
      {"routing.consumers", 1, 64},
      {"routing.stale-after-ms", 100, 86400000},
      {"routing.forget-after-ms", 100, 2592000000},
      {"routing.max-candidates", 1, 16},
      {"routing.batch-max-adverts", 1, 100000},
      {"routing.flush-interval-ms", 1, 10000},
      {"routing.warmup-ms", 0, 86400000},
      {"routing.outage-buffer-adverts", 0, 10000000},
      {"routing.outage-retry-ms", 10, 60000},
      {"routers.pool-size", 0, 256},
      {"routers.lookup-timeout-ms", 10, 60000},
      {"routers.lookup-batch-max", 1, 10000},
      {"commands.supervisors", 1, 256},
      {"commands.max-attempts", 1, 16},
      {"commands.attempt-timeout-ms", 10, 600000},
      {"commands.timeout-ms", 10, 86400000},
      {"commands.unavailable-backoff-ms", 1, 60000},
      {"commands.max-restarts", 0, 10},
      {"commands.timer-resolution-ms", 1, 1000},
      {"intake.max-commands-per-job", 1, 1000000},
      {"intake.max-pending-commands", 1, 100000000},
      {"intake.max-payload-bytes", 1024, 268435455},
      {"intake.replication-interval-ms", 1, 10000},
      {"intake.standby-timeout-ms", 50, 60000},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    auto spec = node_schema().find(c.key);
    REQUIRE(spec != nullptr);
    CHECK(spec->type == value_type::integer);
    CHECK(spec->min == c.min);
    CHECK(spec->max == c.max);
    std::string range = "[" + std::to_string(c.min) + ", " + std::to_string(c.max) + "]";
    for (auto bad : {c.min - 1, c.max + 1}) {
      auto err = load_fail({"--" + c.key + "=" + std::to_string(bad)});
      CHECK(err.key == c.key);
      CHECK(err.message == c.key + ": expected an integer in " + range + ", got '" +
                               std::to_string(bad) + "' (command line)");
    }
  }
  CHECK(load_fail({"--routers.pool-size=abc"}).message ==
        "routers.pool-size: expected an integer in [0, 256], got 'abc' (command line)");
}

TEST_CASE("node: routers.pool-size 0 stands for half the cores, at least one") {
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  router_options r;
  CHECK(r.pool_size == 0); // the default
  CHECK(r.effective_pool_size() == std::max(1, cores / 2));
  r.pool_size = 3;
  CHECK(r.effective_pool_size() == 3);
  r.pool_size = 256;
  CHECK(r.effective_pool_size() == 256);
}

TEST_CASE("node: enumerations, booleans and lists") {
  CHECK(load_fail({"--scheduler.policy=steal"}).message ==
        "scheduler.policy: expected one of stealing, sharing, got 'steal' (command line)");
  CHECK(load_fail({"--log.level=warning"}).message ==
        "log.level: expected one of trace, debug, info, warn, error, critical, off, got "
        "'warning' (command line)");
  for (auto level : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    CHECK(load_ok({std::string{"--log.level="} + level}).log.level == level);
  for (std::string key :
       {"mqtt.tcp-nodelay", "routing.consume", "commands.retry-same-gateway", "intake.enabled"})
    CHECK(load_fail({"--" + key + "=1"}).message ==
          key + ": expected true or false, got '1' (command line)");
  CHECK(load_fail({"--commands.retry-on-codes=1,256"}).message ==
        "commands.retry-on-codes: expected a list of integers, each in [0, 255], got "
        "'1,256' (command line)");
  CHECK(load_ok({"--commands.retry-on-codes="}).commands.retry.retry_on_codes.empty());
}

TEST_CASE("node: string validators") {
  struct string_case {
    std::string key;
    std::vector<std::string> good, bad;
    std::string legal;
  };
  std::vector<string_case> cases = {
      {"node.name",
       {"", "a", "A-z_0.9", std::string(64, 'x')},
       {"a b", "a/b", "é", std::string(65, 'x')},
       "at most 64 of A-Z a-z 0-9 . _ -"},
      {"log.module-levels",
       {"", "mqtt=debug", " mqtt = debug , redis=warn ,", "a.b-c_d=off"},
       {"mqtt", "mqtt=loud", "=debug", "mqtt=debug,redis", "a b=info"},
       "'module=level,...' with levels trace, debug, info, warn, error, critical, off"},
      {"metrics.topic",
       {"", "m", "shelfwire/metrics", "/a/b"},
       {"a/+/b", "a/#", "a/"},
       "an MQTT topic without '+', '#' or a trailing '/' (may be empty)"},
      {"metrics.listen",
       {"", "127.0.0.1:9464", "[::1]:1", "localhost:65535"}, // (beyond loopback: the token rule)
       {"9464", "127.0.0.1", "127.0.0.1:0", "a:1,b:2", "127.0.0.1:65536", " "},
       "empty, or one host:port (IPv6 in brackets), port 1-65535"},
      {"mqtt.url",
       {"tcp://localhost:1883", "tcp://10.0.0.1:1", "tcp://[::1]:65535", "tcp://h:65535",
        "ssl://broker:8883", "ssl://[::1]:8883", "mqtt://h:1883", "mqtts://h:8883"},
       {"", "localhost:1883", "http://h:1883", "tcp://h", "tcp://h:0", "tcp://h:65536",
        "tcp://:1883", "tcp://h:18x3", "tcp://a b:1", "tcp://h:1/x", "ssl://h", "ssl://h:1/x",
        "tls://h:8883"},
       "tcp://host:port or ssl://host:port with port in [1, 65535]"},
      {"mqtt.client-id-prefix",
       {"a", "sw_1-2", std::string(32, 'x')},
       {"", "a.b", "a b", std::string(33, 'x')},
       "1 to 32 of A-Z a-z 0-9 _ -"},
      {"redis.host",
       {"localhost", "10.1.2.3", "redis-0.redis.svc", "[::1]"},
       {"", "a b", "h:6379", "tcp://h"},
       "a non-empty host name or address"},
      {"redis.key-prefix",
       {"sw", "a.b:c-d_e", std::string(32, 'k')},
       {"", "a b", "a/b", "a{b}", std::string(33, 'k')},
       "1 to 32 of A-Z a-z 0-9 _ . : -"},
      {"gateway.topic-prefix",
       {"/gw", "gw", "a/b/c"},
       {"", "/", "/gw/", "/gw/+", "#"},
       "a non-empty MQTT topic without '+', '#' or a trailing '/'"},
      {"gateway.response-share-group",
       {"g", "shelfwire-responses"},
       {"", "a/b", "a+", "a#"},
       "a non-empty name without '/', '+' or '#'"},
      {"routing.share-group", {"g"}, {"", "a/b"}, "a non-empty name without '/', '+' or '#'"},
      {"intake.topic-prefix",
       {"esl/jobs", "j"},
       {"", "esl/jobs/", "esl/+", "esl/#"},
       "a non-empty MQTT topic without '+', '#' or a trailing '/'"},
      {"intake.share-group", {"g"}, {"", "x/y"}, "a non-empty name without '/', '+' or '#'"},
      {"cluster.bind",
       {"127.0.0.1", "0.0.0.0", "node-a"},
       {"", "a b", "h:1"},
       "a host name or IP address"},
      {"cluster.advertise-host",
       {"", "10.0.0.7", "node-a.store"},
       {"a b", "h:1", "a/b"},
       "a host name or IP address, or empty"},
      {"cluster.seeds",
       {"", "h:1", " 10.0.0.2:4270 , node-b:4270,", "[::1]:4270"},
       {"h", "h:0", "h:65536", "h:1,x", ":1", "a b:1", "h:1x"},
       "comma-separated host:port items, port in [1, 65535]"},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    for (const auto& g : c.good) {
      INFO("good: '" << g << "'");
      // (cluster.insecure: the validator is under test, not the TLS rule)
      auto r = load_node_config(args_t{"--" + c.key + "=" + g, "--cluster.insecure=true"});
      CHECK(r.has_value());
    }
    for (const auto& b : c.bad) {
      INFO("bad: '" << b << "'");
      auto err = load_fail({"--" + c.key + "=" + b});
      CHECK(err.key == c.key);
      CHECK(err.message == c.key + ": expected " + c.legal + ", got '" + b + "' (command line)");
    }
  }
  // Any text for the free strings.
  CHECK(load_ok({"--mqtt.password= spaces ; and # [all]"}).mqtt.password ==
        " spaces ; and # [all]");
}

TEST_CASE("node: cross-key rules name both keys") {
  struct rule_case {
    args_t args;
    std::string message;
  };
  std::vector<rule_case> cases = {
      {{"--mqtt.reconnect-min-ms=6000"},
       "mqtt.reconnect-max-ms: must be >= mqtt.reconnect-min-ms; got mqtt.reconnect-max-ms = 5000 "
       "(default), mqtt.reconnect-min-ms = 6000 (command line)"},
      {{"--redis.reconnect-max-ms=50"},
       "redis.reconnect-max-ms: must be >= redis.reconnect-min-ms; got redis.reconnect-max-ms = 50 "
       "(command line), redis.reconnect-min-ms = 100 (default)"},
      {{"--routing.forget-after-ms=1000", "--routing.stale-after-ms=2000"},
       "routing.forget-after-ms: must be >= routing.stale-after-ms; got routing.forget-after-ms = "
       "1000 (command line), routing.stale-after-ms = 2000 (command line)"},
      {{"--commands.timeout-ms=1000"},
       "commands.timeout-ms: must be >= commands.attempt-timeout-ms; got commands.timeout-ms = "
       "1000 (command line), commands.attempt-timeout-ms = 5000 (default)"},
  };
  for (const auto& c : cases) {
    auto err = load_fail(c.args);
    CHECK(err.message == c.message);
  }
  // Equal is fine.
  CHECK(load_ok({"--commands.timeout-ms=5000"}).commands.retry.timeout_ms == 5000);
  // The file location is named too.
  temp_file f{"[commands]\nattempt-timeout-ms = 200000\n"};
  auto err = load_fail({"--config", f.path()});
  CHECK(err.key == "commands.timeout-ms");
  CHECK(err.message.find("commands.attempt-timeout-ms = 200000 (" + f.path() + ":2)") !=
        std::string::npos);
}

TEST_CASE("node: a file, then the command line") {
  temp_file f{"; a node\n"
              "[routers]\n"
              "pool-size = 16\n"
              "lookup-timeout-ms = 500\n"
              "\n"
              "[mqtt]\n"
              "url = \"tcp://broker:1883\"   # the store broker\n"
              "\n"
              "[commands]\n"
              "retry-on-codes = [1, 2, 3]\n"};
  auto o = load_ok({"--config", f.path(), "--routers.pool-size=32"});
  CHECK(o.routers.pool_size == 32);
  CHECK(o.routers.lookup_timeout_ms == 500);
  CHECK(o.mqtt.url == "tcp://broker:1883");
  CHECK(o.commands.retry.retry_on_codes == std::vector<uint32_t>{1, 2, 3});

  auto err = load_fail({"--config", f.path(), "--routers.pool-sise=3"});
  CHECK(err.message ==
        "routers.pool-sise: unknown key (command line); did you mean --routers.pool-size?");
  temp_file typo{"[mqtt]\nurl = \"tcp://broker:1883\"\n[router]\npool-size = 2\n"};
  err = load_fail({"--config", typo.path()});
  CHECK(err.message ==
        "[router]: unknown section (" + typo.path() + ":3); did you mean [routers]?");
  temp_file bad{"[routers]\n\n\n\n\n\n\n\n\n\n\npool-size = abc\n", "node.ini"};
  err = load_fail({"--config", bad.path()});
  CHECK(err.message ==
        "routers.pool-size: expected an integer in [0, 256], got 'abc' (" + bad.path() + ":12)");
}

TEST_CASE("node: --dump-config reads back to the same options, secrets hidden") {
  auto r = load_node_config([] {
    auto a = all_overrides();
    a.push_back("--dump-config");
    return a;
  }());
  REQUIRE(r);
  CHECK(r->action == config_action::dump);
  CHECK(r->text == dump_node_config(r->options));
  // No secret key's value appears anywhere in the dump.
  for (const auto& spec : node_schema().keys()) {
    if (!spec.secret)
      continue;
    INFO(spec.key);
    auto v = non_default_values().at(spec.key);
    REQUIRE(v.size() >= 4);
    CHECK(r->text.find(v) == std::string::npos);
  }
  // Passwords and the inspect token are shown as set, never printed.
  CHECK(r->text.find("r3dis pw") == std::string::npos);
  CHECK(r->text.find("tok en") == std::string::npos);
  CHECK(r->text.find("read tok") == std::string::npos);
  CHECK(r->text.find("k pass") == std::string::npos);
  CHECK(r->text.find("k#pass") == std::string::npos);
  CHECK(r->text.find("password = \"<set, hidden>\"") != std::string::npos);
  CHECK(r->text.find("token = \"<set, hidden>\"") != std::string::npos);
  temp_file dumped{r->text};
  auto again = load_ok({"--config", dumped.path()});
  std::vector<std::string> diffs;
  for (const auto& d : differences(again, r->options))
    if (d.rfind("mqtt.password", 0) != 0 && d.rfind("redis.password", 0) != 0 &&
        d.rfind("inspect.token", 0) != 0 && d.rfind("inspect.read-token", 0) != 0 &&
        d.rfind("cluster.tls-key-password", 0) != 0 && d.rfind("mqtt.tls-key-password", 0) != 0 &&
        d.rfind("metrics.token", 0) != 0)
      diffs.push_back(d);
  CHECK(diffs.empty());
  for (const auto& d : diffs)
    WARN(d);
  // And the defaults too.
  temp_file defaults{dump_node_config(node_options{})};
  CHECK(differences(load_ok({"--config", defaults.path()}), node_options{}).empty());
}

TEST_CASE("node: --help and --check-config") {
  char prog[] = "shelfwire-node";
  char help[] = "--help";
  char* argv[] = {prog, help, nullptr};
  auto r = load_node_config(2, argv);
  REQUIRE(r);
  CHECK(r->action == config_action::help);
  for (const auto& k : node_schema().keys())
    CHECK(r->text.find("--" + k.key + "=") != std::string::npos);

  char check[] = "--check-config";
  char pool[] = "--routers.pool-size=8";
  char* argv2[] = {prog, check, pool, nullptr};
  r = load_node_config(3, argv2);
  REQUIRE(r);
  CHECK(r->action == config_action::check);
  CHECK(r->options.routers.pool_size == 8);
  CHECK(r->text == "shelfwire-node: configuration OK (no --config file, 1 command-line "
                   "override)\n");
}

TEST_CASE("node: resolve_node_name") {
  node_options o;
  resolve_node_name(o);
  auto suffix = "-" + std::to_string(::getpid());
  REQUIRE(o.name.size() > suffix.size());
  CHECK(o.name.size() <= 64);
  CHECK(o.name.compare(o.name.size() - suffix.size(), suffix.size(), suffix) == 0);
  CHECK(o.log.process_name == o.name);
  // The resolved name is itself a legal node.name.
  CHECK(load_node_config(args_t{"--node.name=" + o.name}).has_value());

  node_options named;
  named.name = "n1";
  config::resolve_node_name(named); // also reachable through config::
  CHECK(named.name == "n1");
  CHECK(named.log.process_name == "n1");
}

TEST_CASE("node: config/shelfwire.ini lists every key at its default") {
  auto path = source_path("config/shelfwire.ini");
  auto doc = parse_ini_file(path);
  INFO((doc ? std::string{} : doc.error().message));
  REQUIRE(doc);
  std::vector<std::string> in_file;
  for (const auto& e : doc->entries)
    in_file.push_back(e.dotted());
  for (const auto& k : node_schema().keys()) {
    INFO(k.key);
    CHECK(std::find(in_file.begin(), in_file.end(), k.key) != in_file.end());
  }
  CHECK(in_file.size() == node_schema().keys().size());
  auto o = load_ok({"--config", path});
  CHECK(differences(o, node_options{}).empty());
  for (const auto& d : differences(o, node_options{}))
    WARN(d);
  // Every key is documented right above itself.
  auto text = read_text(path);
  for (const auto& k : node_schema().keys()) {
    INFO(k.key);
    auto at = text.find("\n" + std::string{k.name()} + " = ");
    REQUIRE(at != std::string::npos);
    auto before = text.substr(0, at);
    CHECK(before.rfind("#   legal: ") != std::string::npos);
    CHECK(before.rfind("#   default: ") > before.rfind("\n\n"));
  }
}

TEST_CASE("node: the example configs in config/examples are valid") {
  auto dir = source_path("config/examples");
  // The store example takes its passwords from the environment.
  ::setenv("SHELFWIRE_MQTT_PASSWORD", "example", 1);
  ::setenv("SHELFWIRE_REDIS_PASSWORD", "example", 1);
  ::setenv("SHELFWIRE_INSPECT_READ_TOKEN", "example-read", 1);
  ::setenv("SHELFWIRE_INSPECT_TOKEN", "example-admin", 1);
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator{dir}) {
    auto name = entry.path().filename().string();
    if (name.rfind("node-", 0) != 0 || entry.path().extension() != ".ini")
      continue;
    INFO(name);
    auto r = load_node_config(args_t{"--config", entry.path().string(), "--check-config"});
    INFO((r ? std::string{} : r.error().message));
    CHECK(r.has_value());
    ++n;
  }
  CHECK(n >= 1);
}

TEST_CASE("node: docs/configuration.md documents every key with its type and default") {
  auto text = read_text(source_path("docs/configuration.md"));
  auto defaults = node_schema().read(node_options{});
  for (const auto& k : node_schema().keys()) {
    INFO(k.key);
    // The table row: | `section.key` | type | `default` | legal | meaning |
    auto row_start = text.find("| `" + k.key + "` |");
    REQUIRE(row_start != std::string::npos);
    auto row = text.substr(row_start, text.find('\n', row_start) - row_start);
    CHECK(row.find("| " + std::string{type_name(k.type)} + " |") != std::string::npos);
    CHECK(row.find("| `" + display_value(k, defaults.find(k.key)->v) + "` |") != std::string::npos);
  }
  CHECK(text.find("--dump-config") != std::string::npos);
  CHECK(text.find("--check-config") != std::string::npos);
}

TEST_CASE("node: the syntax example of docs/configuration.md loads") {
  auto text = read_text(source_path("docs/configuration.md"));
  auto start = text.find("```ini\n");
  REQUIRE(start != std::string::npos);
  start += 7;
  auto end = text.find("```", start);
  REQUIRE(end != std::string::npos);
  temp_file f{text.substr(start, end - start)};
  auto o = load_ok({"--config", f.path()});
  CHECK(o.routers.pool_size == 16);
  CHECK(o.mqtt.url == "tcp://broker:1883");
  CHECK(o.mqtt.password == "p@ss#word");
  CHECK_FALSE(o.mqtt.tcp_nodelay);
  CHECK(o.commands.retry.retry_on_codes == std::vector<uint32_t>{1, 2});
}

TEST_CASE("node: the metrics endpoint is authenticated beyond loopback") {
  CHECK(load_ok({}).metrics_listen.empty()); // off by default
  CHECK(load_ok({"--metrics.listen=127.0.0.1:9464"}).metrics_listen == "127.0.0.1:9464");
  CHECK(load_ok({"--metrics.listen=[::1]:9464"}).metrics_token.empty());
  auto err = load_fail({"--metrics.listen=0.0.0.0:9464"});
  CHECK(err.key == "metrics.token");
  CHECK(err.message.find("metrics.insecure = true") != std::string::npos);
  CHECK(load_fail({"--metrics.listen=[::]:9464"}).key == "metrics.token");
  CHECK(load_ok({"--metrics.listen=0.0.0.0:9464", "--metrics.token=s3cret"}).metrics_token ==
        "s3cret");
  CHECK(load_ok({"--metrics.listen=0.0.0.0:9464", "--metrics.insecure=true"}).metrics_insecure);
}

TEST_CASE("node: the cluster is secure by default") {
  // Without TLS, only loopback.
  CHECK(load_ok({"--cluster.bind=127.0.0.1"}).cluster.bind == "127.0.0.1");
  CHECK(load_ok({"--cluster.bind=localhost"}).cluster.bind == "localhost");
  auto err = load_fail({"--cluster.bind=0.0.0.0"});
  CHECK(err.key == "cluster.bind");
  CHECK(err.message.find("without TLS, expected a loopback address") != std::string::npos);
  CHECK(err.message.find("cluster.insecure = true") != std::string::npos);
  CHECK(load_fail({"--cluster.bind=10.0.0.1"}).key == "cluster.bind");
  CHECK(load_fail({"--cluster.bind=127.0.0.1.example"}).key == "cluster.bind");
  // ... unless TLS or the explicit opt-out.
  CHECK(load_ok({"--cluster.bind=0.0.0.0", "--cluster.insecure=true"}).cluster.insecure);
  args_t tls = {"--cluster.bind=0.0.0.0", "--cluster.tls-ca=ca.pem",
                "--cluster.tls-certificate=a.pem", "--cluster.tls-key=a.key"};
  CHECK(load_ok(tls).cluster.tls());
  // Mutual TLS needs all three files: the missing one is named.
  for (size_t skip = 1; skip < tls.size(); ++skip) {
    args_t partial;
    for (size_t i = 0; i < tls.size(); ++i)
      if (i != skip)
        partial.push_back(tls[i]);
    auto e = load_fail(partial);
    CHECK(e.key == tls[skip].substr(2, tls[skip].find('=') - 2));
    CHECK(e.message.find("mutual TLS needs all three") != std::string::npos);
  }
}

TEST_CASE("node: MQTT over TLS: the files go with an ssl:// URL, certificate and key together") {
  // ssl:// alone: the system's CA store verifies the broker.
  auto o = load_ok({"--mqtt.url=ssl://broker:8883"});
  CHECK(o.mqtt.tls());
  CHECK(o.mqtt.tls_ca.empty());
  CHECK(o.mqtt.tls_verify_host);
  o = load_ok({"--mqtt.url=ssl://broker:8883", "--mqtt.tls-ca=ca.pem"});
  CHECK(o.mqtt.tls_ca == "ca.pem");
  o = load_ok({"--mqtt.url=ssl://broker:8883", "--mqtt.tls-ca=ca.pem",
               "--mqtt.tls-certificate=n.pem", "--mqtt.tls-key=n.key",
               "--mqtt.tls-key-password=$__env{HOME}"});
  CHECK(o.mqtt.tls_key == "n.key");
  // Certificate and key together; the missing one is named, with the other.
  auto err = load_fail({"--mqtt.url=ssl://broker:8883", "--mqtt.tls-certificate=n.pem"});
  CHECK(err.key == "mqtt.tls-key");
  CHECK(err.message == "mqtt.tls-key: must be set when mqtt.tls-certificate is (a client "
                       "certificate needs its key); got \"\" (default), mqtt.tls-certificate "
                       "= 'n.pem' (command line)");
  err = load_fail({"--mqtt.url=ssl://broker:8883", "--mqtt.tls-key=n.key"});
  CHECK(err.key == "mqtt.tls-certificate");
  CHECK(err.message.find("mqtt.tls-key = 'n.key'") != std::string::npos);
  // A key passphrase without a key.
  err = load_fail({"--mqtt.url=ssl://broker:8883", "--mqtt.tls-key-password=x"});
  CHECK(err.key == "mqtt.tls-key-password");
  CHECK(err.message.find("mqtt.tls-key is empty") != std::string::npos);
  // TLS files with a tcp:// URL: both keys named.
  // (certificate and key come together: the certificate is named first)
  for (std::string key : {"mqtt.tls-ca", "mqtt.tls-certificate"}) {
    INFO(key);
    args_t args = {"--" + key + "=f.pem"};
    if (key == "mqtt.tls-certificate")
      args.push_back("--mqtt.tls-key=f.pem");
    err = load_fail(args);
    CHECK(err.key == key);
    CHECK(err.message == key +
                             ": set to 'f.pem' (command line), but mqtt.url = "
                             "'tcp://127.0.0.1:1883' (default) does not use TLS: use "
                             "ssl://host:port, or leave " +
                             key + " empty");
  }
  // The key passphrase is a secret: never printed.
  auto r = load_node_config({"--mqtt.url=ssl://b:8883", "--mqtt.tls-certificate=n.pem",
                             "--mqtt.tls-key=n.key", "--mqtt.tls-key-password=hunter2",
                             "--dump-config"});
  REQUIRE(r);
  CHECK(r->text.find("hunter2") == std::string::npos);
  CHECK(r->text.find("tls-key-password = \"<set, hidden>\"") != std::string::npos);
}

TEST_CASE("node: secrets from a file or the environment, never printed") {
  temp_file pw{"s3cret-from-file\n", "mqtt-password"};
  ::setenv("SHELFWIRE_TEST_REDIS_PASSWORD", "s3cret-from-env", 1);
  args_t args = {"--mqtt.password=$__file{" + pw.path() + "}",
                 "--redis.password=$__env{SHELFWIRE_TEST_REDIS_PASSWORD}",
                 "--inspect.token=literal-token"};
  auto o = load_ok(args);
  CHECK(o.mqtt.password == "s3cret-from-file"); // the trailing newline dropped
  CHECK(o.redis.password == "s3cret-from-env");
  CHECK(o.inspect.token == "literal-token");
  // --dump-config shows where a secret comes from, never the secret.
  args.push_back("--dump-config");
  auto r = load_node_config(args);
  REQUIRE(r);
  CHECK(r->text.find("s3cret") == std::string::npos);
  CHECK(r->text.find("literal-token") == std::string::npos);
  CHECK(r->text.find("password = \"$__file{" + pw.path() + "}\"") != std::string::npos);
  CHECK(r->text.find("password = \"$__env{SHELFWIRE_TEST_REDIS_PASSWORD}\"") != std::string::npos);
  // A missing file or variable stops the program naming the key.
  auto err = load_fail({"--mqtt.password=$__file{/nonexistent/pw}"});
  CHECK(err.key == "mqtt.password");
  CHECK(err.message.find("cannot read file '/nonexistent/pw'") != std::string::npos);
  CHECK(err.message.find("$__env{NAME}") != std::string::npos);
  ::unsetenv("SHELFWIRE_TEST_UNSET_VARIABLE");
  err = load_fail({"--inspect.read-token=$__env{SHELFWIRE_TEST_UNSET_VARIABLE}"});
  CHECK(err.key == "inspect.read-token");
  CHECK(err.message.find("SHELFWIRE_TEST_UNSET_VARIABLE is not set") != std::string::npos);
  // Only secret keys resolve references: elsewhere the text is taken as is.
  CHECK(load_ok({"--log.file=$__env{HOME}"}).log.file == "$__env{HOME}");
  ::unsetenv("SHELFWIRE_TEST_REDIS_PASSWORD");
}
