// shelfwire-submit's JSON jobs (actors/intake/cli/job_file): good files, and
// every kind of bad one, each error naming its entry and line.

#include <catch2/catch.hpp>

#include "actors/intake/cli/job_file.hpp"

using namespace shelfwire;
using namespace shelfwire::submit;

namespace {

/// The error of a JSON job that must be refused.
std::string json_error(const std::string& text, const input_limits& lim = {}) {
  auto r = parse_json_job(text, lim);
  REQUIRE_FALSE(r);
  return r.error();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("submit: a JSON job with an id, commands and arguments") {
  auto r = parse_json_job(R"({"v": 1, "job": "store-17:price-2024.05.01",
 "commands": [
   {"esl": "AABBCCDDEEFF", "op": "price", "args": {"price": "9.99", "currency": "EUR"}},
   {"esl": "00:00:00:00:00:0a", "op": "blink"},
   {"esl": "00000000000B", "op": "ping", "args": null},
   {"op": "page", "args": {}, "esl": "00000000000c"}]})");
  REQUIRE(r);
  CHECK(r->job == "store-17:price-2024.05.01");
  REQUIRE(r->commands.size() == 4);
  CHECK(r->commands[0].esl == esl_mac::from_u64(0xAABBCCDDEEFF));
  CHECK(r->commands[0].op == wire::op_kind::price);
  REQUIRE(r->commands[0].args.size() == 2);
  CHECK(r->commands[0].args[0] == std::pair<std::string, std::string>{"price", "9.99"});
  CHECK(r->commands[0].args[1] == std::pair<std::string, std::string>{"currency", "EUR"});
  CHECK(r->commands[1].esl == esl_mac::from_u64(0x0A));
  CHECK(r->commands[1].op == wire::op_kind::blink);
  CHECK(r->commands[1].args.empty());
  CHECK(r->commands[2].args.empty());
  CHECK(r->commands[3].esl == esl_mac::from_u64(0x0C));
  CHECK(r->commands[3].op == wire::op_kind::page);
  REQUIRE(r->origins.size() == 4);
  CHECK(r->origins[0] == "commands[0] (line 3)");
  CHECK(r->origins[3] == "commands[3] (line 6)");
}

TEST_CASE("submit: a JSON job may be just the commands array, without an id") {
  auto r = parse_json_job(
      R"([{"esl": "AABBCCDDEEFF", "op": "image", "args": {"url": "x\u00e9\ud83d\ude00"}}])");
  REQUIRE(r);
  CHECK(r->job.empty());
  REQUIRE(r->commands.size() == 1);
  CHECK(r->commands[0].op == wire::op_kind::image);
  CHECK(r->commands[0].args[0].second == "x\xC3\xA9\xF0\x9F\x98\x80");
}

TEST_CASE("submit: an empty or blank JSON file is refused") {
  CHECK(contains(json_error(""), "empty"));
  CHECK(contains(json_error(" \n\t\n"), "empty"));
}

TEST_CASE("submit: JSON syntax errors name the line and column") {
  auto e = json_error("{\"job\": \"a\",\n \"commands\": [\n {\"esl\" \"AABBCCDDEEFF\"}]}");
  CHECK(contains(e, "not valid JSON"));
  CHECK(contains(e, "expected ':'"));
  CHECK(contains(e, "line 3"));
  CHECK(contains(json_error("[{\"esl\": \"AABBCCDDEEFF\", \"op\": \"blink\"},]"), "line 1"));
  CHECK(contains(json_error("[1, 2"), "expected ',' or ']'"));
  CHECK(contains(json_error("[] []"), "trailing characters"));
  CHECK(contains(json_error("[\"a\x01\"]"), "control character"));
  CHECK(contains(json_error("[\"\xC3\x28\"]"), "invalid UTF-8"));
  CHECK(contains(json_error("[\"\\ud800\"]"), "surrogate"));
  CHECK(contains(json_error("// comment\n[]"), "line 1"));
  std::string deep(200, '[');
  CHECK(contains(json_error(deep), "nested"));
}

TEST_CASE("submit: JSON of the wrong shape or types is refused, naming the entry") {
  CHECK(contains(json_error("\"AABBCCDDEEFF\""), "got string"));
  CHECK(contains(json_error("42"), "got number"));
  CHECK(contains(json_error("{\"job\": \"a\"}"), "'commands' is missing"));
  CHECK(contains(json_error("{\"commands\": {}}"), "got object"));
  CHECK(contains(json_error("{\"comands\": []}"), "unknown key \"comands\""));
  CHECK(contains(json_error("{\"commands\": [], \"commands\": []}"), "given twice"));
  CHECK(contains(json_error("{\"commands\": []}"), "no commands"));
  CHECK(contains(json_error("[]"), "no commands"));
  CHECK(contains(json_error("{\"v\": 2, \"commands\": []}"), "'v' must be 1"));
  CHECK(contains(json_error("{\"job\": 17, \"commands\": []}"), "'job' must be a string"));
  CHECK(contains(json_error("{\"job\": \"a/b\", \"commands\": []}"), "'job'"));
  CHECK(contains(json_error("{\"job\": \"\", \"commands\": []}"), "job id is empty"));

  const std::string ok = R"({"esl": "AABBCCDDEEFF", "op": "blink"})";
  auto second = [&](const std::string& entry) { return "[" + ok + ",\n" + entry + "]"; };
  auto e = json_error(second("\"AABBCCDDEEFF\""));
  CHECK(contains(e, "commands[1] (line 2)"));
  CHECK(contains(e, "expected an object"));
  CHECK(
      contains(json_error(second(R"({"op": "blink"})")), "commands[1] (line 2): 'esl' is missing"));
  CHECK(contains(json_error(second(R"({"esl": 17, "op": "blink"})")), "'esl' must be a string"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEF", "op": "blink"})")),
                 "commands[1] (line 2): 'esl': bad ESL \"AABBCCDDEEF\""));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEGG", "op": "blink"})")), "bad ESL"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF"})")), "'op' is missing"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "prize"})")),
                 "unknown operation \"prize\" (expected one of price, image, blink, page, ping)"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "Blink"})")),
                 "unknown operation"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": ["blink"]})")),
                 "'op' must be a string, got array"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "blink", "arg": {}})")),
                 "unknown key \"arg\""));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "esl": "AABBCCDDEEFF"})")),
                 "given twice"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "price", "args": ["x"]})")),
                 "'args' must be an object of strings, got array"));
  e = json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "price", "args": {"price": 1.99}})"));
  CHECK(contains(e, "commands[1] (line 2)"));
  CHECK(contains(e, "\"price\" must be a string (write \"1.99\"), got number"));
  CHECK(
      contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "price", "args": {"a": true}})")),
               "got boolean"));
  CHECK(contains(
      json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "price", "args": {"a": "1", "a": "2"}})")),
      "argument \"a\" is given twice"));
  CHECK(contains(json_error(second(R"({"esl": "AABBCCDDEEFF", "op": "price", "args": {"": "1"}})")),
                 "empty name"));
}

TEST_CASE("submit: JSON jobs over the nodes' limits are refused before sending") {
  input_limits lim;
  lim.max_commands = 2;
  const std::string c = R"({"esl": "AABBCCDDEEFF", "op": "blink"})";
  CHECK(parse_json_job("[" + c + "," + c + "]", lim));
  CHECK(contains(json_error("[" + c + "," + c + "," + c + "]", lim), "3 commands"));
  lim = {};
  lim.max_string_bytes = 8;
  CHECK(contains(
      json_error(R"([{"esl": "AABBCCDDEEFF", "op": "price", "args": {"price": "123456789"}}])",
                 lim),
      "value of 9 bytes"));
  lim = {};
  lim.max_args = 1;
  CHECK(contains(
      json_error(R"([{"esl": "AABBCCDDEEFF", "op": "price", "args": {"a": "1", "b": "2"}}])", lim),
      "2 arguments"));
}

TEST_CASE("submit: a JSON job may carry priority, rate and abort threshold") {
  auto r = parse_json_job(R"({"job": "j", "priority": "bulk", "rate": 20, "abort_threshold": 0.05,
 "abort_min_outcomes": 100, "commands": [{"esl": "AABBCCDDEEFF", "op": "blink"}]})");
  REQUIRE(r);
  CHECK(r->rollout.prio == priority::bulk);
  CHECK(r->rollout.rate_per_s == 20.0);
  CHECK(r->rollout.abort_threshold == 0.05);
  CHECK(r->rollout.abort_min_outcomes == 100u);
  auto plain =
      parse_json_job(R"({"job": "j", "commands": [{"esl": "AABBCCDDEEFF", "op": "blink"}]})");
  REQUIRE(plain);
  CHECK_FALSE(plain->rollout.prio);
  CHECK_FALSE(plain->rollout.abort_threshold);

  const std::string cmds = R"(, "commands": [{"esl": "AABBCCDDEEFF", "op": "blink"}]})";
  CHECK(contains(json_error(R"({"priority": "urgent")" + cmds), "'priority'"));
  CHECK(contains(json_error(R"({"priority": 1)" + cmds), "'priority' must be a string"));
  CHECK(contains(json_error(R"({"rate": "10")" + cmds), "'rate' must be a number"));
  CHECK(contains(json_error(R"({"rate": 0)" + cmds), "'rate': commands per second"));
  CHECK(contains(json_error(R"({"abort_threshold": 1.5)" + cmds), "'abort_threshold'"));
  CHECK(contains(json_error(R"({"abort_min_outcomes": 2.5)" + cmds), "'abort_min_outcomes'"));
  CHECK(contains(json_error(R"({"abort_min_outcomes": 0)" + cmds), "'abort_min_outcomes'"));
}
