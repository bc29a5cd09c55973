// `log.format = json` on a real node process: every line it writes on
// stderr is one JSON object (time, level, node, module, message, and the ids
// a message names), from start to stop, with a job run in between; and no
// secret given to it (in the file, as $__file{...}, on the command line)
// ever shows up in its output.

#include <csignal>
#include <set>

#include "tests/integration/process/process_support.hpp"
#include "tests/support/json.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

/// "2026-12-03T16:20:01.123Z"
bool iso8601_utc_ms(const std::string& t) {
  if (t.size() != 24)
    return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char want = "0000-00-00T00:00:00.000Z"[i];
    if (want == '0' ? (t[i] < '0' || t[i] > '9') : t[i] != want)
      return false;
  }
  return true;
}

/// Prints the tail of a file on stderr when the scope is left by a failed
/// REQUIRE: the node's stderr, which show_logs_on_failure does not hold.
class show_file_on_failure {
public:
  explicit show_file_on_failure(std::string path)
      : path_(std::move(path))
      , exceptions_(std::uncaught_exceptions()) {}
  ~show_file_on_failure() {
    if (std::uncaught_exceptions() <= exceptions_)
      return;
    auto text = read_text(path_);
    std::cerr << "---- " << path_ << ", last bytes:\n"
              << text.substr(text.size() > 6000 ? text.size() - 6000 : 0) << "\n---- end\n";
  }
  show_file_on_failure(const show_file_on_failure&) = delete;
  show_file_on_failure& operator=(const show_file_on_failure&) = delete;

private:
  std::string path_;
  int exceptions_;
};

} // namespace

TEST_CASE("a node process with --log.format=json writes one JSON object per stderr line, and "
          "no secret",
          "[process][log]") {
  process_env env;
  env.connect_clients();
  // Secrets as an operator gives them: literal in the file, from a file, on
  // the command line. None may appear in any line.
  const std::string admin_token = "SECRET-admin-7f3a9c";
  const std::string read_token = "SECRET-read-51d0e2";
  const std::string metrics_token = "SECRET-metrics-c84b17";
  const std::string mqtt_password = "SECRET-mqtt-2e6f90";
  auto read_token_file = env.dir.file("read-token");
  write_text(read_token_file, read_token + "\n");

  auto cfg = env.node("proc-json");
  cfg.log_level = "debug";
  cfg.extra_ini = "\n[inspect]\ntoken = \"" + admin_token + "\"\nread-token = \"$__file{" +
                  read_token_file + "}\"\n";
  auto ini = env.dir.file(cfg.name + ".ini");
  write_text(ini, node_ini(cfg));
  auto out_path = env.dir.file(cfg.name + ".out");
  auto err_path = env.dir.file(cfg.name + ".err");
  // sh sends stderr to its own file and execs the node: same pid.
  auto proc = child_process::start(
      {"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", err_path, build_binary("shelfwire-node"),
       "--config", ini, "--log.format=json", "--metrics.token=" + metrics_token,
       "--mqtt.username=shelfwire", "--mqtt.password=" + mqtt_password},
      out_path);
  show_logs_on_failure logs{{"node stdout", &proc}};
  show_file_on_failure err_log{err_path};
  REQUIRE(env.wait_node_ready(cfg.name));

  // A small job, so the intake logs lines naming it.
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  auto store = store_of(ss);
  store.mqtt = test_client(env.broker.url(), "proc-json-emu");
  sim::gateway_emulator emu{store, env.reg};
  REQUIRE(emu.start());
  REQUIRE(emu.wait_ready(10s));
  emu.advertise_every(300ms);
  REQUIRE(env.wait_converged(cfg.name, adverts_per_round(store)));
  auto job = sim::make_job("proc-json-job", esls_of(store), 20);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  CHECK(count_status(*r, outcome_status::acked) == 20);

  REQUIRE(signal_and_wait(proc, SIGTERM) == 0);
  emu.stop();

  auto err = read_text(err_path);
  auto out = read_text(out_path);
  INFO("node stderr:\n" << err);
  REQUIRE_FALSE(err.empty());
  CHECK(err.back() == '\n');
  CHECK_FALSE(has_sanitizer_report(err));

  const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical"};
  const std::set<std::string> fields{"time",    "level", "node",    "module",
                                     "message", "job",   "command", "esl"};
  std::set<std::string> modules;
  size_t naming_node = 0;
  size_t naming_job = 0;
  auto lines = lines_of(err);
  for (auto& line : lines) {
    INFO("line: " << line);
    std::string error;
    auto v = json_parser::parse(line, &error);
    INFO(error);
    REQUIRE(v);
    REQUIRE(v->is_object());
    for (auto* f : {"time", "level", "node", "module", "message"}) {
      INFO(f);
      REQUIRE(v->find(f));
      REQUIRE(v->find(f)->is_string());
    }
    for (auto& [name, value] : v->object) {
      INFO(name);
      CHECK(fields.count(name) == 1);
      CHECK(value.is_string());
    }
    CHECK(iso8601_utc_ms((*v)["time"].text));
    CHECK(levels.count((*v)["level"].text) == 1);
    CHECK((*v)["node"].text == cfg.name);
    CHECK_FALSE((*v)["module"].text.empty());
    modules.insert((*v)["module"].text);
    if ((*v)["message"].text.find("'" + cfg.name + "'") != std::string::npos)
      ++naming_node;
    if (auto* j = v->find("job"); j && j->text == job.job)
      ++naming_job;
  }
  CHECK(naming_node >= 2); // "node '...' started", "... stopped"
  CHECK(naming_job >= 1);  // "job '...' done: ..."
  CHECK(modules.count("node") == 1);
  CHECK(modules.count("intake") == 1);

  for (auto* secret : {&admin_token, &read_token, &metrics_token, &mqtt_password}) {
    INFO("secret " << *secret);
    CHECK(err.find(*secret) == std::string::npos);
    CHECK(out.find(*secret) == std::string::npos);
  }
  CHECK(err.find("SECRET-") == std::string::npos);
}
