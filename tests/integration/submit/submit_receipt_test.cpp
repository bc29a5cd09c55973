// shelfwire-submit and what the nodes tell about a job besides its result:
// the receipt (coordinator, standby), progress, and the result kept for a
// resubmission. These cases need the node side of receipts; they are tagged
// [receipt] (run the others alone with `submit_tests "~[receipt]"`).

#include <csignal>

#include "tests/integration/submit/submit_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("submit: the receipt names the coordinator and no standby in a cluster of one",
          "[submit][receipt]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  s.start(ss);
  auto esl = s.esls().front().to_string();
  auto r = s.submit({"--esl", esl, "--op", "blink", "--receipt-timeout-ms", "10000"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "node      " + s.node_cfg.name + "\n"));
  CHECK(contains(r.out, "standby   none (cluster of one)\n"));
  CHECK(contains(r.out, "submits   1\n"));

  auto j = s.submit({"--esl", esl, "--op", "ping", "--json"});
  REQUIRE(j.status == 0);
  auto v = submit_json(j);
  CHECK(v["receipt"].boolean);
  CHECK(v["node"].text == s.node_cfg.name);
  CHECK(v["standby"].is_string());
  CHECK(v["standby"].text.empty());
  CHECK(v["submits"].integer() == 1);
  s.stop();
}

TEST_CASE("submit: resubmitting a finished job id gets the same result again",
          "[submit][receipt]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 20;
  s.start(ss);
  auto esl = s.esls().front().to_string();
  std::vector<std::string> args{"--esl",      esl,     "--op",           "price", "--arg",
                                "price=1.99", "--job", "same-job-twice", "--json"};
  auto first = s.submit(args);
  REQUIRE(first.status == 0);
  auto second = s.submit(args);
  INFO("stderr:\n" << second.err);
  REQUIRE(second.status == 0);
  auto a = submit_json(first);
  auto b = submit_json(second);
  REQUIRE(a["outcomes"].array.size() == 1);
  REQUIRE(b["outcomes"].array.size() == 1);
  // The kept result, not a second run: the same measured latency.
  CHECK(a["outcomes"][0]["latency_us"].text == b["outcomes"][0]["latency_us"].text);
  CHECK(a["outcomes"][0]["gw"].text == b["outcomes"][0]["gw"].text);
  s.stop();
}

TEST_CASE("submit: --progress shows the job's progress and its receipt on stderr",
          "[submit][receipt]") {
  submit_env s;
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 50;
  // Slow gateways: the job runs long enough for progress reports (about 1/s).
  s.start(ss, {"--behavior.reply-delay-ms=3000"},
          [](node_settings& n) { n.attempt_timeout_ms = 10'000; });
  std::vector<std::string> args{"--op", "blink", "--progress", "--job", "slow-50"};
  for (auto& e : s.esls())
    args.insert(args.end(), {"--esl", e.to_string()});
  auto r = s.submit(args);
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.err, "job slow-50 accepted by " + s.node_cfg.name + ", standby none"));
  CHECK(contains(r.err, "job slow-50: "));
  CHECK(contains(r.err, " of 50 done ("));
  CHECK_FALSE(contains(r.err, "submitting again"));
  CHECK(contains(r.out, "acked       50\n"));
  s.stop();
}
