// shelfwire-submit's output (actors/intake/cli/report): the table, the JSON
// object (read back with the strict JSON reader), exit codes.

#include <catch2/catch.hpp>

#include <csignal>

#include "actors/intake/cli/report.hpp"
#include "runtime/core/json_reader.hpp"

using namespace shelfwire;
using namespace shelfwire::submit;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

wire::command_result outcome(uint64_t esl, outcome_status st, std::string reason = "") {
  wire::command_result r;
  r.esl = esl_mac::from_u64(esl);
  r.op = wire::op_kind::price;
  r.status = st;
  r.attempts = st == outcome_status::unroutable ? 0 : 1;
  if (st != outcome_status::unroutable)
    r.gw = gw_mac::from_u64(0xAA0000000001);
  r.code = st == outcome_status::nacked ? 2 : 0;
  r.latency_us = 48'210;
  r.reason = std::move(reason);
  if (st == outcome_status::acked)
    r.backbone_us = 40'000;
  return r;
}

/// A finished job: `acked` acked commands, then one nacked, one unroutable.
run_summary finished(size_t acked, bool with_failures) {
  run_summary s;
  s.job = "job-1";
  s.receipt = wire::job_receipt{"job-1", "node-a", "node-b", 0};
  wire::job_result r;
  r.job = "job-1";
  r.node = "node-a";
  for (size_t i = 0; i < acked; ++i)
    r.outcomes.push_back(outcome(i + 1, outcome_status::acked));
  if (with_failures) {
    r.outcomes.push_back(outcome(0xE1, outcome_status::nacked, "gateway_nack"));
    r.outcomes.push_back(outcome(0xE2, outcome_status::unroutable, "no_fresh_route"));
  }
  s.commands = r.outcomes.size();
  s.receipt->commands = s.commands;
  for (size_t i = 0; i < s.commands; ++i)
    s.origins.push_back("line " + std::to_string(i + 2));
  s.result = std::move(r);
  s.submits = 1;
  s.elapsed_ms = 2'410;
  return s;
}

json_value parsed(const std::string& text) {
  std::string err;
  auto v = json_parser::parse(text, &err);
  INFO(text << "\n" << err);
  REQUIRE(v);
  return *v;
}

} // namespace

TEST_CASE("submit: exit codes and status words follow how the run ended") {
  auto all = finished(3, false);
  CHECK(exit_code_of(all) == 0);
  CHECK(status_word(all) == "done");
  auto some = finished(3, true);
  CHECK(exit_code_of(some) == 1);
  auto rejected = finished(0, false);
  rejected.result->rejected = true;
  rejected.result->error = "overloaded: too many commands pending";
  CHECK(exit_code_of(rejected) == 1);
  CHECK(status_word(rejected) == "rejected");
  run_summary none;
  none.end = run_end::no_receipt;
  CHECK(exit_code_of(none) == 3);
  CHECK(status_word(none) == "no_receipt");
  none.end = run_end::timed_out;
  CHECK(exit_code_of(none) == 3);
  none.end = run_end::interrupted;
  none.signal = SIGINT;
  CHECK(exit_code_of(none) == 130);
  none.signal = SIGTERM;
  CHECK(exit_code_of(none) == 143);
  CHECK(status_word(none) == "interrupted");
}

TEST_CASE("submit: the table shows job, nodes, counts and the commands not acked") {
  auto t = render_table(finished(3, true), 20);
  CHECK(contains(t, "job       job-1\n"));
  CHECK(contains(t, "status    done\n"));
  CHECK(contains(t, "node      node-a\n"));
  CHECK(contains(t, "standby   node-b\n"));
  CHECK(contains(t, "commands  5\n"));
  CHECK(contains(t, "elapsed   2.41 s\n"));
  CHECK(contains(t, "acked       3\n"));
  CHECK(contains(t, "nacked      1\n"));
  CHECK(contains(t, "unroutable  1\n"));
  CHECK(contains(t, "not acked: 2 of 5\n"));
  CHECK(contains(t, "3  line 5  0000000000E1  price  nacked      2     AA0000000001  1"));
  CHECK(contains(t, "no_fresh_route"));
  auto limited = render_table(finished(3, true), 1);
  CHECK(contains(limited, "not acked: 2 of 5 (the first 1 below; --show-failed N)"));
  CHECK_FALSE(contains(limited, "no_fresh_route"));
  CHECK_FALSE(contains(render_table(finished(3, false), 20), "not acked"));

  auto alone = finished(1, false);
  alone.receipt->standby = "";
  CHECK(contains(render_table(alone, 20), "standby   none (cluster of one)\n"));
  alone.receipt.reset();
  CHECK(contains(render_table(alone, 20), "standby   unknown (no receipt)\n"));
  auto moved = finished(1, false);
  moved.result->node = "node-b";
  CHECK(contains(render_table(moved, 20), "node      node-b (took the job over from node-a)\n"));
}

TEST_CASE("submit: the table of a job that got no answer or was rejected") {
  run_summary s;
  s.job = "job-2";
  s.end = run_end::no_receipt;
  s.commands = 4;
  s.submits = 5;
  auto t = render_table(s, 20);
  CHECK(contains(t, "no_receipt (no receipt and no result after 5 submissions)"));
  CHECK_FALSE(contains(t, "OUTCOME"));
  s.end = run_end::timed_out;
  s.receipt = wire::job_receipt{"job-2", "node-a", "", 4};
  s.progress = wire::job_progress{"job-2", "node-a", 2, 4};
  t = render_table(s, 20);
  CHECK(contains(t, "timed_out (no result in time; the cluster holds the job)"));
  CHECK(contains(t, "progress  2 of 4 done\n"));
  auto rejected = finished(0, false);
  rejected.result->rejected = true;
  rejected.result->error = "too_many_commands: 5 > 4";
  t = render_table(rejected, 20);
  CHECK(contains(t, "status    rejected\n"));
  CHECK(contains(t, "error     too_many_commands: 5 > 4\n"));
}

TEST_CASE("submit: --json prints one object with counts and every outcome") {
  auto v = parsed(render_json(finished(2, true)));
  CHECK(v["job"].text == "job-1");
  CHECK(v["status"].text == "done");
  CHECK(v["node"].text == "node-a");
  CHECK(v["standby"].text == "node-b");
  CHECK(v["receipt"].boolean);
  CHECK(v["commands"].integer() == 4);
  CHECK(v["submits"].integer() == 1);
  CHECK(v["elapsed_ms"].integer() == 2'410);
  CHECK(v["counts"]["acked"].integer() == 2);
  CHECK(v["counts"]["nacked"].integer() == 1);
  CHECK(v["counts"]["unroutable"].integer() == 1);
  CHECK(v["counts"].object.size() == outcome_status_count);
  CHECK(v["counts"]["aborted"].integer() == 0);
  REQUIRE(v["outcomes"].array.size() == 4);
  auto& ok = v["outcomes"][0];
  CHECK(ok["esl"].text == "000000000001");
  CHECK(ok["op"].text == "price");
  CHECK(ok["status"].text == "acked");
  CHECK(ok["code"].integer() == 0);
  CHECK(ok["gw"].text == "AA0000000001");
  CHECK(ok["attempts"].integer() == 1);
  CHECK(ok["reason"].text.empty());
  CHECK(ok["latency_us"].integer() == 48'210);
  CHECK(ok["backbone_us"].integer() == 40'000);
  auto& nack = v["outcomes"][2];
  CHECK(nack["code"].integer() == 2);
  CHECK(nack["reason"].text == "gateway_nack");
  CHECK_FALSE(nack.has("backbone_us"));
  CHECK(v["outcomes"][3]["gw"].is_null());

  run_summary none;
  none.job = "job-3";
  none.end = run_end::no_receipt;
  auto n = parsed(render_json(none));
  CHECK(n["status"].text == "no_receipt");
  CHECK(n["node"].is_null());
  CHECK(n["standby"].is_null());
  CHECK_FALSE(n["receipt"].boolean);
  CHECK(n["outcomes"].array.empty());
  auto rejected = finished(0, false);
  rejected.result->rejected = true;
  rejected.result->error = "malformed: bad_value at 'commands[0].esl': \"x\"\n\x01";
  auto r = parsed(render_json(rejected));
  CHECK(r["status"].text == "rejected");
  CHECK(r["error"].text == rejected.result->error);
}

TEST_CASE("submit: JSON strings are escaped, invalid UTF-8 replaced") {
  CHECK(json_string("plain") == "\"plain\"");
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("\n\r\t\x01\x7F") == "\"\\n\\r\\t\\u0001\\u007f\"");
  CHECK(json_string("caf\xC3\xA9 \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  CHECK(json_string("\xFF") == "\"\\ufffd\"");
  CHECK(json_string("\xC3") == "\"\\ufffd\"");                       // truncated
  CHECK(json_string("\xC0\x80") == "\"\\ufffd\\ufffd\"");            // overlong
  CHECK(json_string("\xED\xA0\x80") == "\"\\ufffd\\ufffd\\ufffd\""); // a surrogate
  for (int c = 0; c < 256; ++c) {
    std::string s(1, static_cast<char>(c));
    INFO(c);
    CHECK(json_parser::parse(json_string(s)));
  }
}

TEST_CASE("submit: durations for people") {
  CHECK(format_duration_us(950) == "950 us");
  CHECK(format_duration_us(48'210) == "48.2 ms");
  CHECK(format_duration_us(2'410'000) == "2.41 s");
}
