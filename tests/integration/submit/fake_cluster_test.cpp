// shelfwire-submit against a cluster the test plays itself (fake_cluster on
// a real mosquitto): resubmission until a receipt, progress, a rejected job,
// no result in time, a broker restart while waiting. Exact answers, exact
// order, no node needed.

#include <csignal>

#include "tests/integration/submit/submit_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

struct fake_env {
  temp_dir dir;
  mosquitto_server broker;
  metrics::registry reg;
  fake_env() { quiet_logs(); }
  std::vector<std::string> with_broker(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--mqtt", broker.url()});
    return args;
  }
};

const std::vector<std::string> two_commands{"--esl",        "AABBCCDDEE01", "--esl",
                                            "AABBCCDDEE02", "--op",         "blink"};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

} // namespace

TEST_CASE("submit: resubmits until the receipt, shows progress, takes the first result",
          "[submit][fake]") {
  fake_env e;
  fake_cluster fake{e.broker.url(), e.reg,
                    [&](fake_cluster& f, const wire::job_submission& job, int nth) {
                      if (nth < 3)
                        return; // the first two submissions go unanswered
                      if (nth == 3) {
                        f.receipt(job, "fake-a", "fake-b");
                        f.progress(job, "fake-a", 1);
                      }
                    }};
  auto p = start_submit(
      e.dir, "resubmit",
      e.with_broker(plus(two_commands, {"--job", "third-time", "--json", "--receipt-timeout-ms",
                                        "200", "--progress"})));
  auto err = [&] { return read_text(e.dir.file("resubmit.err")); };
  REQUIRE(wait_until([&] { return contains(err(), "1 of 2 done (50%)") || !p.running(); }, 20s));
  REQUIRE(p.running());
  // Late receipts and a second result change nothing.
  wire::job_submission job;
  job.job = "third-time";
  job.commands.resize(2);
  job.commands[0].esl = esl_mac::from_u64(0xAABBCCDDEE01);
  job.commands[1].esl = esl_mac::from_u64(0xAABBCCDDEE02);
  for (auto& c : job.commands)
    c.op = wire::op_kind::blink;
  auto result = fake_cluster::all_acked(job, "fake-a");
  fake.receipt(job, "fake-a", "fake-b");
  fake.result(result);
  result.outcomes[0].status = outcome_status::failed;
  fake.result(result);
  REQUIRE(p.wait_exit(20s) == 0);
  auto out = read_text(e.dir.file("resubmit.out"));
  INFO("stdout: " << out << "\nstderr: " << err());
  CHECK(contains(err(), "no receipt for job third-time within 200 ms; submitting again (2 of 5)"));
  CHECK(contains(err(), "submitting again (3 of 5)"));
  CHECK_FALSE(contains(err(), "(4 of 5)"));
  CHECK(contains(err(), "job third-time accepted by fake-a, standby fake-b"));
  CHECK(contains(err(), "job third-time: 1 of 2 done (50%)"));
  CHECK(fake.submissions() == 3);
  exit_report r;
  r.out = out;
  auto v = submit_json(r);
  CHECK(v["status"].text == "done");
  CHECK(v["receipt"].boolean);
  CHECK(v["node"].text == "fake-a");
  CHECK(v["standby"].text == "fake-b");
  CHECK(v["submits"].integer() == 3);
  CHECK(v["counts"]["acked"].integer() == 2);
}

TEST_CASE("submit: a rejected job exits 1 with the cluster's error", "[submit][fake]") {
  fake_env e;
  fake_cluster fake{e.broker.url(), e.reg,
                    [](fake_cluster& f, const wire::job_submission& job, int) {
                      wire::job_result r;
                      r.job = job.job;
                      r.node = "fake-a";
                      r.rejected = true;
                      r.error = "overloaded: 500000 commands pending; retry later";
                      f.result(r);
                    }};
  auto r = run_submit(e.dir, e.with_broker(plus(two_commands, {"--job", "too-busy"})), 30s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "job too-busy was rejected: overloaded: 500000 commands pending"));
  CHECK(contains(r.out, "status    rejected\n"));
  CHECK(contains(r.out, "error     overloaded: 500000 commands pending; retry later\n"));
  CHECK(contains(r.out, "standby   unknown (no receipt)\n"));
}

TEST_CASE("submit: accepted but no result in time exits 3, without resubmitting",
          "[submit][fake]") {
  fake_env e;
  fake_cluster fake{e.broker.url(), e.reg,
                    [](fake_cluster& f, const wire::job_submission& job, int) {
                      f.receipt(job, "fake-a", ""); // and never a result
                    }};
  auto r = run_submit(
      e.dir,
      e.with_broker(plus(two_commands, {"--job", "never-done", "--json", "--receipt-timeout-ms",
                                        "100", "--timeout-ms", "1000"})),
      30s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.status == 3);
  CHECK(r.elapsed >= 1000ms);
  CHECK(contains(r.err, "no result for job never-done within 1000 ms (--timeout-ms)"));
  CHECK_FALSE(contains(r.err, "submitting again"));
  auto v = submit_json(r);
  CHECK(v["status"].text == "timed_out");
  CHECK(v["receipt"].boolean);
  CHECK(v["node"].text == "fake-a");
  CHECK(v["standby"].text.empty());
  CHECK(v["submits"].integer() == 1);
  CHECK(fake.submissions() == 1);
}

TEST_CASE("submit: after a broker restart it submits again and still gets the result",
          "[submit][fake]") {
  fake_env e;
  std::atomic<bool> answer{false};
  fake_cluster fake{e.broker.url(), e.reg,
                    [&](fake_cluster& f, const wire::job_submission& job, int nth) {
                      if (nth == 1)
                        f.receipt(job, "fake-a", "fake-b");
                      else if (answer)
                        f.result(fake_cluster::all_acked(job, "fake-a"));
                    }};
  auto p = start_submit(
      e.dir, "restart",
      e.with_broker(plus(two_commands, {"--job", "through-restart", "--json", "--progress"})));
  show_logs_on_failure logs{{"shelfwire-submit (stdout)", &p}};
  auto err = [&] { return read_text(e.dir.file("restart.err")); };
  REQUIRE(wait_until([&] { return contains(err(), "accepted by fake-a") || !p.running(); }, 20s));
  REQUIRE(p.running());
  answer = true;
  e.broker.restart(); // the broker forgets every session: a result sent now would be lost
  REQUIRE(fake.wait_ready(20s));
  REQUIRE(wait_until(
      [&] {
        return contains(err(), "reconnected; submitting job through-restart again") || !p.running();
      },
      30s));
  // The resubmission may have beaten the fake's own reconnect: then the test
  // sends the kept result itself, as a node would on the resubmission.
  if (fake.submissions() < 2) {
    wire::job_submission job;
    job.job = "through-restart";
    job.commands.resize(2);
    job.commands[0].esl = esl_mac::from_u64(0xAABBCCDDEE01);
    job.commands[1].esl = esl_mac::from_u64(0xAABBCCDDEE02);
    for (auto& c : job.commands)
      c.op = wire::op_kind::blink;
    fake.result(fake_cluster::all_acked(job, "fake-a"));
  }
  REQUIRE(p.wait_exit(20s) == 0);
  INFO("stderr: " << err());
  CHECK(contains(err(), "lost the connection to the broker; reconnecting"));
  exit_report r;
  r.out = read_text(e.dir.file("restart.out"));
  auto v = submit_json(r);
  CHECK(v["status"].text == "done");
  CHECK(v["submits"].integer() == 2);
  CHECK(v["counts"]["acked"].integer() == 2);
}
