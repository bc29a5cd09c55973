// shelfwire-submit as a process against a real shelfwire-node process, the
// gateway emulator process, mosquitto and redis-server.
//
// Cases tagged [receipt] need the nodes' receipts, progress and result
// retention (`{prefix}/{job}/accepted|progress`); the others hold with
// nodes that publish only results.

#include <csignal>
#include <fstream>

#include "tests/integration/submit/submit_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("submit: one command from arguments is acked, exit 0", "[submit]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  s.start(ss);
  auto esl = s.esls().front().to_string();
  auto r = s.submit({"--esl", esl, "--op", "blink", "--job", "blink-by-hand"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "job       blink-by-hand\n"));
  CHECK(contains(r.out, "status    done\n"));
  CHECK(contains(r.out, "node      " + s.node_cfg.name + "\n"));
  CHECK(contains(r.out, "commands  1\n"));
  CHECK(contains(r.out, "acked       1\n"));
  CHECK(contains(r.out, "nacked      0\n"));
  CHECK_FALSE(contains(r.out, "not acked"));
  s.stop();
}

TEST_CASE("submit: a 1,000-command CSV file, all acked, as JSON", "[submit]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 5;
  ss.esls = 1'000;
  s.start(ss);
  auto path = s.env.dir.file("reprice.csv");
  {
    std::ofstream csv{path};
    csv << "esl,op,args\n# 1,000 labels, one price each\n";
    int i = 0;
    for (auto& e : s.esls())
      csv << e.to_string() << ",price,price=" << (100 + i++) << ".99;currency=EUR\n";
  }
  auto r = s.submit({"--file", path, "--json", "--job", "reprice-1000"});
  INFO("stderr:\n" << r.err);
  REQUIRE(r.status == 0);
  auto v = submit_json(r);
  CHECK(v["job"].text == "reprice-1000");
  CHECK(v["status"].text == "done");
  CHECK(v["node"].text == s.node_cfg.name);
  CHECK(v["commands"].integer() == 1'000);
  CHECK(v["counts"]["acked"].integer() == 1'000);
  REQUIRE(v["outcomes"].array.size() == 1'000);
  auto esls = s.esls();
  for (size_t i = 0; i < esls.size(); ++i) {
    auto& o = v["outcomes"][i];
    CHECK(o["esl"].text == esls[i].to_string()); // submission order
    CHECK(o["op"].text == "price");
    CHECK(o["status"].text == "acked");
    CHECK(o["code"].integer() == 0);
    CHECK(o["gw"].is_string());
    CHECK(o["attempts"].integer() >= 1);
    CHECK(o["reason"].text.empty());
    CHECK(o["latency_us"].is_count());
  }
  s.stop();
}

TEST_CASE("submit: malformed input exits 2 naming the line, before connecting", "[submit]") {
  temp_dir dir;
  tcp_probe broker; // a "broker" that tells whether anybody connected
  auto url = "--mqtt=tcp://127.0.0.1:" + std::to_string(broker.port());
  write_text(dir.file("bad.csv"), "esl,op,args\n"
                                  "AABBCCDDEEFF,price,price=1.99\n"
                                  "AABBCCDDEEF,price,price=2.99\n");
  write_text(dir.file("bad.json"), "{\"job\": \"j\", \"commands\": [\n"
                                   "  {\"esl\": \"AABBCCDDEEFF\", \"op\": \"blink\"},\n"
                                   "  {\"esl\": \"AABBCCDDEEFF\", \"op\": \"flash\"}]}\n");
  write_text(dir.file("syntax.json"), "[{\"esl\": \"AABBCCDDEEFF\",\n\"op\" \"blink\"}]");
  write_text(dir.file("empty.csv"), "");
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<bad_case> cases{
      {{"--file", dir.file("bad.csv")}, "bad.csv: line 3: bad ESL \"AABBCCDDEEF\""},
      {{"--file", dir.file("bad.json")}, "bad.json: commands[1] (line 3): 'op': unknown operation"},
      {{"--file", dir.file("syntax.json")}, "not valid JSON: expected ':' at line 2"},
      {{"--file", dir.file("empty.csv")}, "no commands"},
      {{"--file", dir.file("missing.csv")}, "cannot open the file"},
      {{"--esl", "AABBCCDDEEFF", "--op", "price", "--arg", "price"}, "has no '='"},
      {{"--esl", "AABBCCDDEEFF"}, "--op is missing"},
      {{"--file", dir.file("bad.csv"), "--timeout-ms", "soon"}, "--timeout-ms"},
  };
  for (auto& c : cases) {
    c.args.push_back(url);
    auto r = run_submit(dir, c.args, 30s);
    INFO("case: " << c.message << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(contains(r.err, c.message));
    CHECK(r.out.empty());
  }
  CHECK_FALSE(broker.contacted()); // nothing was sent, not even a CONNECT
}

TEST_CASE("submit: a job the gateways NACK finishes with exit 1 and lists the commands",
          "[submit]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  // Every answer a NACK with code 3 (low battery): final, not retried.
  s.start(ss, {"--behavior.nack-per-mille=1000", "--behavior.nack-code=3"});
  auto esls = s.esls();
  auto path = s.env.dir.file("nacked.json");
  write_text(path, "{\"job\": \"nacked-3\", \"commands\": [\n"
                   "  {\"esl\": \"" +
                       esls[0].to_string() +
                       "\", \"op\": \"ping\"},\n"
                       "  {\"esl\": \"" +
                       esls[1].to_string() +
                       "\", \"op\": \"ping\"},\n"
                       "  {\"esl\": \"" +
                       esls[2].to_string() + "\", \"op\": \"ping\"}]}\n");
  auto r = s.submit({"--file", path, "--show-failed", "2"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status == 1);
  CHECK(contains(r.out, "job       nacked-3\n"));
  CHECK(contains(r.out, "acked       0\n"));
  CHECK(contains(r.out, "nacked      3\n"));
  CHECK(contains(r.out, "not acked: 3 of 3 (the first 2 below; --show-failed N)\n"));
  CHECK(contains(r.out, "commands[0] (line 2)  " + esls[0].to_string() + "  ping  nacked  3"));
  CHECK(contains(r.out, "gateway_nack"));
  CHECK_FALSE(contains(r.out, esls[2].to_string()));
  s.stop();
}

TEST_CASE("submit: with no node, it submits max-submits times and exits 3", "[submit]") {
  temp_dir dir;
  mosquitto_server broker;
  quiet_logs();
  metrics::registry reg;
  submit_topic_watch watch{broker.url(), reg};
  auto r =
      run_submit(dir,
                 {"--mqtt", broker.url(), "--esl", "AABBCCDDEEFF", "--op", "blink", "--job",
                  "nobody-home", "--receipt-timeout-ms", "200", "--max-submits", "3", "--json"},
                 60s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status == 3);
  CHECK(r.elapsed >= 600ms);
  CHECK(contains(r.err, "no receipt for job nobody-home within 200 ms; submitting again (2 of 3)"));
  CHECK(contains(r.err, "submitting again (3 of 3)"));
  CHECK(contains(r.err, "after 3 submissions"));
  auto v = submit_json(r);
  CHECK(v["status"].text == "no_receipt");
  CHECK(v["submits"].integer() == 3);
  CHECK_FALSE(v["receipt"].boolean);
  CHECK(v["node"].is_null());
  // The broker got three submissions of the same job id.
  REQUIRE(wait_until([&] { return watch.jobs().size() >= 3; }, 10s));
  CHECK(watch.jobs() == std::vector<std::string>(3, "nobody-home"));
}

TEST_CASE("submit: published while no node runs, the job gets no receipt; once a node starts, "
          "the resubmission completes",
          "[submit][receipt]") {
  submit_env s;
  metrics::registry reg;
  submit_topic_watch watch{s.env.broker.url(), reg};
  auto p = child_process::start({build_binary("shelfwire-submit"), "--mqtt", s.env.broker.url(),
                                 "--esl", "E50000000001", "--op", "blink", "--job", "nobody-yet",
                                 "--receipt-timeout-ms", "500", "--max-submits", "200"},
                                s.env.dir.file("nobody-yet.log"));
  show_logs_on_failure logs{{"shelfwire-submit", &p}};
  // Two submissions went unanswered: nobody took the job.
  REQUIRE(wait_until([&] { return watch.jobs().size() >= 2; }, 30s));
  REQUIRE(p.running());
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  s.start(ss); // its ESLs include E50000000001
  auto status = p.wait_exit(120s);
  REQUIRE(status);
  CHECK(*status == 0);
  CHECK(log_has(p, "acked       1"));
  // Accepted once, however often it was submitted.
  CHECK(wait_until([&] { return s.env.metric(s.node_cfg.name, "jobs.accepted") == 1; }, 10s));
  CHECK(s.env.metric(s.node_cfg.name, "jobs.accepted") == 1);
  s.stop();
}

TEST_CASE("submit: no broker exits 4", "[submit]") {
  temp_dir dir;
  auto port = free_port(); // nobody listens
  auto r = run_submit(dir,
                      {"--mqtt", "tcp://127.0.0.1:" + std::to_string(port), "--esl", "AABBCCDDEEFF",
                       "--op", "blink", "--connect-timeout-ms", "500"},
                      30s);
  INFO("stderr: " << r.err);
  CHECK(r.status == 4);
  CHECK(contains(r.err, "cannot connect to the broker at tcp://127.0.0.1:" + std::to_string(port)));
  CHECK(r.out.empty());
}

TEST_CASE("submit: SIGINT or SIGTERM while waiting ends it cleanly with 130 or 143", "[submit]") {
  temp_dir dir;
  mosquitto_server broker;
  for (auto [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    INFO("signal " << sig);
    auto tag = "interrupted" + std::to_string(sig);
    // --verbose: the MQTT client logs when it is up, so the test knows when
    // to interrupt.
    auto p = child_process::start({build_binary("shelfwire-submit"), "--mqtt", broker.url(),
                                   "--esl", "AABBCCDDEEFF", "--op", "blink", "--receipt-timeout-ms",
                                   "60000", "--verbose"},
                                  dir.file(tag + ".log"));
    show_logs_on_failure logs{{"shelfwire-submit", &p}};
    REQUIRE(wait_until([&] { return log_has(p, "up: connected") || !p.running(); }, 30s));
    REQUIRE(p.running());
    CHECK(signal_and_wait(p, sig) == code);
    CHECK(log_has(p, "status    interrupted")); // its own summary: it was not killed
    CHECK_FALSE(has_sanitizer_report(read_text(p.log_path())));
  }
}
