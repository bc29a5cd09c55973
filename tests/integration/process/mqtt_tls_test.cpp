// A node process through ssl:// against a mosquitto configured like the
// shipped example (config/examples/mosquitto/: TLS listener, password file,
// per-gateway ACL): the emulator's gateways log in as themselves, one
// connection each, and a job submitted with shelfwire-submit (TLS flags,
// --password-file) ends acked.

#include <csignal>
#include <set>

#include "tests/integration/mqtt/mqtt_tls_util.hpp"
#include "tests/integration/process/process_support.hpp"
#include "tests/support/json.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace shelfwire::testing::tls_util;

TEST_CASE("a node works through ssl:// under the example's ACL, gateways as themselves",
          "[process][tls]") {
  quiet_logs();
  auto broker = example_broker();
  redis_server redis;
  temp_dir dir;
  const auto& m = shared_material();
  const auto url = ssl_url(*broker);
  // The node's password from a file ($__file{...}), the producer's too.
  write_text(dir.file("node-password"), users().at("shelfwire-node") + "\n");
  write_text(dir.file("producer-password"), users().at("shelfwire-producer") + "\n");

  node_settings ns;
  ns.name = "proc-tls";
  ns.mqtt_url = url;
  ns.redis_port = redis.port();
  ns.extra_ini = "\n[mqtt]\n"
                 "username = shelfwire-node\n"
                 "password = \"$__file{" +
                 dir.file("node-password") +
                 "}\"\n"
                 "tls-ca = \"" +
                 m.file("ca.pem") + "\"\n";
  // The ACL lets the node publish its snapshots under shelfwire/metrics only.
  auto node = start_node(dir, ns, {"--metrics.topic=shelfwire/metrics"});
  show_logs_on_failure logs{{"node", &node}};

  metrics::registry reg;
  sim::metrics_watch watch{tls_options(test_client(url, "proc-tls-watch"), "shelfwire-monitor"),
                           "shelfwire/metrics", reg};
  REQUIRE(watch.start());
  REQUIRE(watch.wait_ready(10s));
  REQUIRE(wait_until([&] { return node_ready(watch, ns.name); }, 30s));

  store_settings ss;
  ss.gateways = 2; // AA0000000000 and AA0000000001: users of the password file
  ss.esls = 40;
  auto store = store_of(ss);
  auto emu = start_emulator(dir, "proc-tls-emu", url, ss, 300,
                            {"--mqtt.tls-ca=" + m.file("ca.pem"), "--mqtt.client-per-gateway=true",
                             "--mqtt.gateway-password=" + gateway_password_pattern});
  logs.add("emulator", &emu);
  REQUIRE(wait_until([&] { return log_has_line(emu, "ready") || !emu.running(); }, 30s));
  REQUIRE(emu.running());
  REQUIRE(wait_until(
      [&] { return watch.value(ns.name, "status.adverts_applied") >= adverts_per_round(store); },
      30s));

  std::vector<std::string> args{build_binary("shelfwire-submit"),
                                "--mqtt",
                                url,
                                "--tls-ca",
                                m.file("ca.pem"),
                                "--username",
                                "shelfwire-producer",
                                "--password-file",
                                dir.file("producer-password"),
                                "--job",
                                "tls-job-1",
                                "--op",
                                "blink",
                                "--json",
                                "--quiet"};
  for (auto& e : store.esls) {
    args.push_back("--esl");
    args.push_back(e.esl.to_string());
  }
  auto r = run_to_exit(dir, "submit", args, 60s);
  INFO("submit stderr:\n" << r.err);
  REQUIRE(r.status == 0);
  std::string err;
  auto v = json_parser::parse(r.out, &err);
  INFO("stdout: " << r.out << "\nJSON: " << err);
  REQUIRE(v);
  CHECK((*v)["job"].text == "tls-job-1");
  CHECK((*v)["status"].text == "done");
  CHECK((*v)["node"].text == ns.name);
  CHECK((*v)["counts"]["acked"].integer() == static_cast<int64_t>(store.esls.size()));
  // Both gateways answered (each through its own connection).
  std::set<std::string> gws;
  for (auto& o : (*v)["outcomes"].array)
    gws.insert(o["gw"].text);
  CHECK(gws == std::set<std::string>{gw_a, gw_b});

  // A producer with a wrong password never gets through: exit 4, no broker.
  write_text(dir.file("wrong-password"), "not-it\n");
  auto bad = args;
  for (size_t i = 0; i + 1 < bad.size(); ++i)
    if (bad[i] == "--password-file")
      bad[i + 1] = dir.file("wrong-password");
  bad.push_back("--connect-timeout-ms");
  bad.push_back("1500");
  auto refused = run_to_exit(dir, "submit-wrong-password", bad, 30s);
  CHECK(refused.status == 4);

  // A missing CA file is a usage error naming the flag, before connecting.
  auto no_ca = args;
  for (size_t i = 0; i + 1 < no_ca.size(); ++i)
    if (no_ca[i] == "--tls-ca")
      no_ca[i + 1] = dir.file("missing-ca.pem");
  auto usage = run_to_exit(dir, "submit-no-ca", no_ca, 30s);
  CHECK(usage.status == 2);
  CHECK(usage.err.find("--tls-ca: cannot read '" + dir.file("missing-ca.pem") + "'") !=
        std::string::npos);

  CHECK(signal_and_wait(node, SIGTERM) == 0);
  CHECK(signal_and_wait(emu, SIGTERM) == 0);
  CHECK_FALSE(has_sanitizer_report(read_text(node.log_path())));
}

TEST_CASE("a node with an unreadable mqtt.tls-ca stops, naming the key", "[process][tls]") {
  temp_dir dir;
  node_settings ns;
  ns.name = "proc-tls-bad";
  ns.mqtt_url = "ssl://127.0.0.1:8883";
  ns.redis_port = 6379;
  ns.extra_ini = "\n[mqtt]\ntls-ca = \"" + dir.file("missing.pem") + "\"\n";
  auto node = start_node(dir, ns);
  auto status = node.wait_exit(exit_bound);
  REQUIRE(status);
  CHECK(*status != 0);
  CHECK(log_has(node, "mqtt.tls-ca: cannot read '" + dir.file("missing.pem") + "'"));
}
