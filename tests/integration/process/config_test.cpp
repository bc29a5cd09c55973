// The node binary's configuration front: bad configurations exit 2 fast
// with a message naming the key and the legal values and start nothing;
// --dump-config output reads back; --help and --check-config exit 0.

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/integration/process/process_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

/// Replaces every "{file}" in `s` with `path`.
std::string with_file(std::string s, const std::string& path) {
  const std::string mark = "{file}";
  for (auto pos = s.find(mark); pos != std::string::npos; pos = s.find(mark, pos + path.size()))
    s.replace(pos, mark.size(), path);
  return s;
}

struct bad_config {
  const char* what;
  const char* ini;      ///< written to a file passed with --config; nullptr: no file
  const char* arg;      ///< one command-line argument; nullptr: none
  const char* expected; ///< the whole message after "shelfwire-node: " ({file} = the file)
};

// The messages are the documented ones (docs/configuration.md).
const bad_config bad_configs[] = {
    {"not an integer, command line", nullptr, "--routers.pool-size=abc",
     "routers.pool-size: expected an integer in [0, 256], got 'abc' (command line)"},
    {"not an integer, file", "[routers]\npool-size = abc\n", nullptr,
     "routers.pool-size: expected an integer in [0, 256], got 'abc' ({file}:2)"},
    {"wrong enum, command line", nullptr, "--scheduler.policy=steal",
     "scheduler.policy: expected one of stealing, sharing, got 'steal' (command line)"},
    {"wrong enum, file", "; levels\n[log]\nlevel = warning\n", nullptr,
     "log.level: expected one of trace, debug, info, warn, error, critical, off, got 'warning' "
     "({file}:3)"},
    {"out of range, command line", nullptr, "--routers.pool-size=257",
     "routers.pool-size: expected an integer in [0, 256], got '257' (command line)"},
    {"out of range, file", "[commands]\nmax-attempts = 17\n", nullptr,
     "commands.max-attempts: expected an integer in [1, 16], got '17' ({file}:2)"},
    {"bad boolean", nullptr, "--mqtt.tcp-nodelay=yes",
     "mqtt.tcp-nodelay: expected true or false, got 'yes' (command line)"},
    {"bad URL", nullptr, "--mqtt.url=localhost:1883",
     "mqtt.url: expected tcp://host:port or ssl://host:port with port in [1, 65535], got "
     "'localhost:1883' (command line)"},
    {"bad integer list", nullptr, "--commands.retry-on-codes=1,300",
     "commands.retry-on-codes: expected a list of integers, each in [0, 255], got '1,300' "
     "(command line)"},
    {"unknown key, file", "[mqtt]\nurll = \"tcp://127.0.0.1:1883\"\n", nullptr,
     "mqtt.urll: unknown key ({file}:2); did you mean mqtt.url?"},
    {"unknown key, command line", nullptr, "--routers.pool-sise=3",
     "routers.pool-sise: unknown key (command line); did you mean --routers.pool-size?"},
    {"unknown section", "[mqqt]\nurl = \"tcp://127.0.0.1:1883\"\n", nullptr,
     "[mqqt]: unknown section ({file}:1); did you mean [mqtt]?"},
    {"malformed INI line", "[routers]\npool-size 16\n", nullptr,
     "{file}:2: expected 'key = value', '[section]' or a comment, got 'pool-size 16'"},
    {"key outside any section", "pool-size = 2\n", nullptr,
     "{file}:1: key 'pool-size' outside any [section]"},
    {"duplicate key", "[routers]\npool-size = 2\npool-size = 3\n", nullptr,
     "routers.pool-size: duplicate key ({file}:3), first set at {file}:2"},
    {"cross-key rule", nullptr, "--commands.timeout-ms=1000",
     "commands.timeout-ms: must be >= commands.attempt-timeout-ms; got commands.timeout-ms = 1000 "
     "(command line), commands.attempt-timeout-ms = 5000 (default)"},
    {"unknown option", nullptr, "--dump_config",
     "--dump_config: unknown option (command line); did you mean --dump-config?"},
    {"bad value in the file, good one on the command line", "[routers]\npool-size = -1\n",
     "--routers.pool-size=4",
     "routers.pool-size: expected an integer in [0, 256], got '-1' ({file}:2)"},
};

/// The keys ("section.key") of an INI text as --dump-config writes it.
std::vector<std::string> ini_keys(const std::string& ini) {
  std::vector<std::string> keys;
  std::istringstream in{ini};
  std::string line;
  std::string section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';')
      continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    auto eq = line.find(" = ");
    if (eq != std::string::npos)
      keys.push_back(section + "." + line.substr(0, eq));
  }
  return keys;
}

} // namespace

TEST_CASE("a bad configuration exits 2 at once, names the key and the legal values, starts "
          "nothing",
          "[process][config]") {
  temp_dir dir;
  auto node_bin = build_binary("shelfwire-node");
  int n = 0;
  for (auto& c : bad_configs) {
    ++n;
    for (bool check_only : {false, true}) {
      DYNAMIC_SECTION(c.what << (check_only ? " (--check-config)" : "")) {
        // Would the node start anything, these would see it: the broker and
        // Redis addresses point at listening sockets nobody serves, and the
        // log file would be created.
        tcp_probe broker;
        tcp_probe redis;
        auto log_file = dir.file("bad-" + std::to_string(n) + ".log");
        std::vector<std::string> argv{node_bin};
        std::string ini = dir.file("bad-" + std::to_string(n) + ".ini");
        if (c.ini) {
          write_text(ini, c.ini);
          argv.insert(argv.end(), {"--config", ini});
        }
        argv.push_back("--mqtt.url=tcp://127.0.0.1:" + std::to_string(broker.port()));
        argv.push_back("--redis.port=" + std::to_string(redis.port()));
        argv.push_back("--log.file=" + log_file);
        if (c.arg)
          argv.push_back(c.arg);
        if (check_only)
          argv.push_back("--check-config");
        auto r = run_to_exit(dir, "bad-" + std::to_string(n) + (check_only ? "-check" : ""), argv);
        INFO("stdout: " << r.out);
        INFO("stderr: " << r.err);
        CHECK(r.status == 2);
        CHECK(r.elapsed < config_error_bound);
        CHECK(r.err == "shelfwire-node: " + with_file(c.expected, ini) + "\n");
        CHECK(r.out.empty());
        CHECK_FALSE(broker.contacted());
        CHECK_FALSE(redis.contacted());
        CHECK_FALSE(std::filesystem::exists(log_file));
      }
    }
  }
}

TEST_CASE("a missing config file exits 2 and says why", "[process][config]") {
  temp_dir dir;
  auto missing = dir.file("missing.ini");
  auto r = run_to_exit(dir, "missing", {build_binary("shelfwire-node"), "--config", missing});
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(r.err ==
        "shelfwire-node: --config: cannot read '" + missing + "': No such file or directory\n");
  CHECK(r.out.empty());
}

TEST_CASE("shelfwire-gw-emu rejects a bad option with exit 2 and the legal values",
          "[process][config]") {
  temp_dir dir;
  tcp_probe broker;
  auto r = run_to_exit(dir, "emu-bad",
                       {build_binary("shelfwire-gw-emu"),
                        "--mqtt.url=tcp://127.0.0.1:" + std::to_string(broker.port()),
                        "--store.gateways=0"});
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(r.elapsed < config_error_bound);
  CHECK(r.err ==
        "shelfwire-gw-emu: store.gateways: expected an integer in [1, 4096], got '0' (command "
        "line)\n");
  CHECK(r.out.empty());
  CHECK_FALSE(broker.contacted());
}

TEST_CASE("--dump-config prints INI that --config reads back", "[process][config]") {
  temp_dir dir;
  auto node_bin = build_binary("shelfwire-node");
  tcp_probe broker;
  tcp_probe redis;
  auto dumped = dir.file("dumped.ini");

  SECTION("defaults") {
    auto d = run_to_exit(dir, "dump-defaults", {node_bin, "--dump-config"});
    INFO("stderr: " << d.err);
    REQUIRE(d.status == 0);
    CHECK(d.err.empty());
    REQUIRE_FALSE(d.out.empty());
    write_text(dumped, d.out);
    auto keys = ini_keys(d.out);
    CHECK(keys.size() >= 40);
    for (auto* key : {"node.name", "node.drain-timeout-ms", "routers.pool-size", "mqtt.url",
                      "redis.port", "metrics.interval-ms", "commands.retry-on-codes"}) {
      INFO(key);
      CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
    }
    // The dump names every key once.
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());
    auto c = run_to_exit(dir, "check-defaults", {node_bin, "--check-config", "--config", dumped});
    INFO("check stdout: " << c.out);
    INFO("check stderr: " << c.err);
    CHECK(c.status == 0);
    CHECK(c.err.empty());
    CHECK(c.out.find("configuration OK") != std::string::npos);
  }

  SECTION("with every kind of value changed, the dump is a fixed point") {
    std::vector<std::string> overrides{
        "--node.name=dump-node",
        "--node.drain-timeout-ms=1234",
        "--scheduler.policy=stealing",
        "--log.module-levels=mqtt=debug,redis=warn",
        "--mqtt.url=tcp://127.0.0.1:" + std::to_string(broker.port()),
        "--mqtt.password=p@ss#word ; not a comment",
        "--mqtt.tcp-nodelay=false",
        "--redis.port=" + std::to_string(redis.port()),
        "--routers.pool-size=7",
        "--commands.retry-on-codes=1,3,4",
        "--gateway.topic-prefix=site/gw",
    };
    std::vector<std::string> argv{node_bin};
    argv.insert(argv.end(), overrides.begin(), overrides.end());
    argv.push_back("--dump-config");
    auto first = run_to_exit(dir, "dump-overrides", argv);
    INFO("stderr: " << first.err);
    REQUIRE(first.status == 0);
    for (auto* line : {"name = \"dump-node\"\n", "drain-timeout-ms = 1234\n", "policy = stealing\n",
                       "pool-size = 7\n", "retry-on-codes = [1, 3, 4]\n", "tcp-nodelay = false\n",
                       "topic-prefix = \"site/gw\"\n"}) {
      INFO(line);
      CHECK(first.out.find(line) != std::string::npos);
    }
    write_text(dumped, first.out);
    // Read back: the same configuration, dumped again, is the same text.
    auto second = run_to_exit(dir, "dump-again", {node_bin, "--config", dumped, "--dump-config"});
    INFO("stderr: " << second.err);
    REQUIRE(second.status == 0);
    CHECK(second.out == first.out);
    auto c = run_to_exit(dir, "check-overrides", {node_bin, "--check-config", "--config", dumped});
    INFO("check stderr: " << c.err);
    CHECK(c.status == 0);
    CHECK(c.out.find("configuration OK") != std::string::npos);
  }

  // Neither dumping nor checking started a node.
  CHECK_FALSE(broker.contacted());
  CHECK_FALSE(redis.contacted());
}

TEST_CASE("--help exits 0 and lists every key; it wins over a bad argument", "[process][config]") {
  temp_dir dir;
  auto node_bin = build_binary("shelfwire-node");
  auto dump = run_to_exit(dir, "dump", {node_bin, "--dump-config"});
  REQUIRE(dump.status == 0);
  auto keys = ini_keys(dump.out);
  REQUIRE_FALSE(keys.empty());

  auto h = run_to_exit(dir, "help", {node_bin, "--help"});
  INFO("stderr: " << h.err);
  CHECK(h.status == 0);
  CHECK(h.err.empty());
  CHECK(h.out.rfind("usage: shelfwire-node", 0) == 0);
  for (auto& key : keys) {
    INFO(key);
    CHECK(h.out.find("--" + key + "=") != std::string::npos);
  }
  CHECK(h.out.find("Legal: one of stealing, sharing") != std::string::npos);

  auto wins = run_to_exit(dir, "help-wins", {node_bin, "--routers.pool-size=abc", "-h"});
  CHECK(wins.status == 0);
  CHECK(wins.out == h.out);
  CHECK(wins.err.empty());

  auto emu = run_to_exit(dir, "emu-help", {build_binary("shelfwire-gw-emu"), "--help"});
  CHECK(emu.status == 0);
  CHECK(emu.out.rfind("usage: shelfwire-gw-emu", 0) == 0);
  for (auto* key : {"--mqtt.url=", "--store.gateways=", "--store.status-interval-ms=",
                    "--behavior.no-reply-per-mille="}) {
    INFO(key);
    CHECK(emu.out.find(key) != std::string::npos);
  }
}

TEST_CASE("shelfwire-gw-emu --dump-config reads back", "[process][config]") {
  temp_dir dir;
  auto emu_bin = build_binary("shelfwire-gw-emu");
  auto d = run_to_exit(dir, "emu-dump", {emu_bin, "--store.esls=42", "--dump-config"});
  REQUIRE(d.status == 0);
  CHECK(d.out.find("esls = 42\n") != std::string::npos);
  write_text(dir.file("emu.ini"), d.out);
  auto c =
      run_to_exit(dir, "emu-check", {emu_bin, "--check-config", "--config", dir.file("emu.ini")});
  INFO("stderr: " << c.err);
  CHECK(c.status == 0);
}
