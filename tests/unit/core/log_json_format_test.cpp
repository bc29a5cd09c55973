// `log.format = json` (runtime/log/json_format.hpp): escaping, the ISO 8601
// time, the id extraction rule, every field; each line is one JSON object as
// the strict reader (runtime/core/json_reader.hpp) reads it.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/json_reader.hpp"
#include "runtime/log/json_format.hpp"
#include "runtime/log/log.hpp"
#include "tests/support/process.hpp"

using namespace shelfwire;
using namespace shelfwire::log;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

/// `s` written as a JSON string and read back by the strict reader.
std::string round_trip(std::string_view s) {
  std::string error;
  auto v = json_parser::parse(quoted(s), &error);
  INFO(error);
  REQUIRE(v);
  REQUIRE(v->is_string());
  return v->text;
}

json_value parse_line(const std::string& line) {
  std::string error;
  auto v = json_parser::parse(line, &error);
  INFO(line << "\n" << error);
  REQUIRE(v);
  REQUIRE(v->is_object());
  return *v;
}

log_entry entry(std::string_view message) {
  log_entry e;
  e.unix_ms = 1'796'314'801'123; // 2026-12-03T16:20:01.123Z
  e.level = "info";
  e.node = "node-a";
  e.module = "intake";
  e.message = message;
  return e;
}

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream in{path};
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

/// Logging back to its defaults (text on stderr) when a test ends.
struct restore_logging {
  ~restore_logging() { log::setup(log_options{}); }
};

} // namespace

TEST_CASE("json log strings: quotes, backslash and control characters are escaped", "[log]") {
  CHECK(quoted("plain text") == "\"plain text\"");
  CHECK(quoted("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quoted("C:\\dir") == "\"C:\\\\dir\"");
  CHECK(quoted("a\nb\rc\td\be\ff") == "\"a\\nb\\rc\\td\\be\\ff\"");
  CHECK(quoted(std::string_view{"\x00\x01\x1f\x7f", 4}) == "\"\\u0000\\u0001\\u001f\\u007f\"");
  CHECK(quoted("") == "\"\"");
  // Every byte value below 0x80 reads back as itself.
  std::string all;
  for (int c = 0; c < 0x80; ++c)
    all += static_cast<char>(c);
  CHECK(round_trip(all) == all);
}

TEST_CASE("json log strings: UTF-8 passes, invalid UTF-8 becomes U+FFFD", "[log]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x99\x82") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x99\x82\"");
  CHECK(quoted("a\xFF"
               "b") == "\"a" + fffd + "b\""); // never in UTF-8
  CHECK(quoted("a\x80"
               "b") == "\"a" + fffd + "b\"");                        // stray continuation
  CHECK(quoted("a\xC3") == "\"a" + fffd + "\"");                     // truncated at the end
  CHECK(quoted("\xC0\xAF") == "\"" + fffd + fffd + "\"");            // overlong '/'
  CHECK(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\""); // a surrogate
  CHECK(quoted("\xE2\x82"
               "\"") == "\"" + fffd + fffd + "\\\"\""); // cut short by a quote
  // Whatever the bytes, the result is one valid JSON string.
  std::string bytes;
  for (int c = 0; c < 256; ++c)
    bytes += static_cast<char>(c);
  bytes += "\xF4\x90\x80\x80\xE0\x80\x80"; // beyond U+10FFFF, overlong NUL
  auto back = round_trip(bytes);
  CHECK(back.find(fffd) != std::string::npos);
  CHECK(back.substr(0, 0x80) == bytes.substr(0, 0x80));
}

TEST_CASE("json log time: ISO 8601 UTC with milliseconds", "[log]") {
  CHECK(iso8601_utc_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601_utc_ms(1'796'314'801'123) == "2026-12-03T16:20:01.123Z");
  CHECK(iso8601_utc_ms(951'782'400'000) == "2000-02-29T00:00:00.000Z"); // leap day
  CHECK(iso8601_utc_ms(1'704'067'199'999) == "2023-12-31T23:59:59.999Z");
  CHECK(iso8601_utc_ms(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("json log ids: key=value tokens", "[log]") {
  auto ids = extract_ids("retrying job=reprice-42 command=281474976710657 esl=0a00000000ff now");
  CHECK(ids.job == "reprice-42");
  CHECK(ids.command == "281474976710657");
  CHECK(ids.esl == "0A00000000FF"); // upper case, as on the wire
  CHECK(extract_ids("cmd=17 done").command == "17");
  CHECK(extract_ids("JOB=a.b:c_d-e").job == "a.b:c_d-e");
  // Quoted values, and sentence punctuation after a bare one.
  CHECK(extract_ids("job='x:1.' failed").job == "x:1.");
  CHECK(extract_ids("job=\"y\" failed").job == "y");
  CHECK(extract_ids("ended job=z.").job == "z");
  CHECK(extract_ids("job=z: ended, command=5, esl=AABBCCDDEEFF.").job == "z");
  CHECK(extract_ids("job=z: ended, command=5, esl=AABBCCDDEEFF.").command == "5");
  CHECK(extract_ids("job=z: ended, command=5, esl=AABBCCDDEEFF.").esl == "AABBCCDDEEFF");
  CHECK(extract_ids("esl='AABBCCDDEEFF'").esl == "AABBCCDDEEFF");
}

TEST_CASE("json log ids: the prose forms the code writes", "[log]") {
  auto ids = extract_ids("command 281474976710657 for ESL 0A0000000001 stopped (boom): restart "
                         "1/3");
  CHECK(ids.command == "281474976710657");
  CHECK(ids.esl == "0A0000000001");
  CHECK(ids.job.empty());
  CHECK(extract_ids("job 'reprice-7' done: 10 commands, 10 acked").job == "reprice-7");
  CHECK(extract_ids("ESL 0A0000000001: previous owner b still busy").esl == "0A0000000001");
  CHECK(extract_ids("job \"q\" done").job == "q");
}

TEST_CASE("json log ids: near misses name nothing", "[log]") {
  auto none = [](std::string_view m) {
    auto ids = extract_ids(m);
    INFO(m);
    CHECK(ids.job.empty());
    CHECK(ids.command.empty());
    CHECK(ids.esl.empty());
  };
  none("node 'a' stopping: 3 commands pending, 2 jobs in flight");
  none("member 'b' is down: its ESLs move to the other members");
  none("rejected job '?': bad_payload");           // not a job id
  none("job reprice-7 done");                      // prose job ids are quoted
  none("stale outcome for commands[4] ignored");   // an index, not an id
  none("command #4");                              // not digits
  none("command 12x");                             // digits followed by a letter
  none("ESL 0A000000000");                         // 11 hex digits
  none("ESL 0A00000000011");                       // 13 hex digits
  none("esl=0A000000000G");                        // not hex
  none("subjob=a recommand=5 myesl=AABBCCDDEEFF"); // keyword inside a word
  none("job= x command= 5");                       // nothing after '='
  none("job='unterminated");
  none("job='has space'");
  none("job=" + std::string(129, 'a')); // longer than any job id
  none("accepted=5 pending=0 in_flight=0");
  none("");
  none("job");
}

TEST_CASE("json log ids: the first match of each field counts; bad ones are skipped", "[log]") {
  auto ids = extract_ids("job '?' then job=first job=second command 9x command 8 esl=x "
                         "ESL AABBCCDDEEFF esl=112233445566");
  CHECK(ids.job == "first");
  CHECK(ids.command == "8");
  CHECK(ids.esl == "AABBCCDDEEFF");
  CHECK(extract_ids("job=" + std::string(128, 'a')).job == std::string(128, 'a'));
}

TEST_CASE("json log line: every field, in order, on one line", "[log]") {
  auto line = format_json_line(entry("job 'reprice-7' done: 10 commands, 10 acked"));
  CHECK(line == "{\"time\":\"2026-12-03T16:20:01.123Z\",\"level\":\"info\",\"node\":\"node-a\","
                "\"module\":\"intake\",\"message\":\"job 'reprice-7' done: 10 commands, 10 "
                "acked\",\"job\":\"reprice-7\"}");
  auto v = parse_line(line);
  CHECK(v["time"].text == "2026-12-03T16:20:01.123Z");
  CHECK(v["level"].text == "info");
  CHECK(v["node"].text == "node-a");
  CHECK(v["module"].text == "intake");
  CHECK(v["message"].text == "job 'reprice-7' done: 10 commands, 10 acked");
  CHECK(v["job"].text == "reprice-7");
  CHECK_FALSE(v.has("command"));
  CHECK_FALSE(v.has("esl"));
  CHECK(v.object.size() == 6);

  // No ids: the five fields only.
  auto plain = parse_line(format_json_line(entry("connected to redis 127.0.0.1:6379")));
  CHECK(plain.object.size() == 5);

  // All three ids.
  auto all = parse_line(
      format_json_line(entry("job=j1 command=281474976710657 esl=0a0000000001: stopped")));
  REQUIRE(all.object.size() == 8);
  CHECK(all.object[5].first == "job");
  CHECK(all.object[6].first == "command");
  CHECK(all.object[7].first == "esl");
  CHECK(all["job"].text == "j1");
  CHECK(all["command"].text == "281474976710657");
  CHECK(all["esl"].text == "0A0000000001");
}

TEST_CASE("json log line: hostile text in any field still makes one JSON object", "[log]") {
  std::string nasty = "line1\nline2 \"quoted\" back\\slash \x01\x1b[31m \xFF\xFE tab\t";
  log_entry e = entry(nasty);
  e.node = nasty;
  e.module = "mod\"ule";
  e.level = "warn";
  auto line = format_json_line(e);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  auto v = parse_line(line);
  CHECK(v["level"].text == "warn");
  CHECK(v["module"].text == "mod\"ule");
  CHECK(v["message"].text.rfind("line1\nline2 \"quoted\" back\\slash \x01\x1b[31m ", 0) == 0);
  CHECK(v["node"].text == v["message"].text);
}

TEST_CASE("log::setup: json and text lines through spdlog, a bad format refused", "[log]") {
  testing::temp_dir dir;
  restore_logging restore; // before the directory goes
  log_options o;
  o.format = "xml";
  CHECK(log::setup(o) == "log.format: expected one of text, json, got 'xml'");

  o.format = "json";
  o.process_name = "unit-node";
  o.file = dir.file("json.log");
  REQUIRE(log::setup(o).empty());
  auto lg = log::get("unit-json");
  lg->info("job 'j-1': ESL 0a0000000001 answered \"ok\"");
  lg->warn("command {} for ESL {} stopped", 281474976710657ull, "0A0000000002");
  lg->debug("below the level: not written");
  log::flush();
  auto lines = file_lines(o.file);
  REQUIRE(lines.size() == 2);
  auto first = parse_line(lines[0]);
  CHECK(first["level"].text == "info");
  CHECK(first["node"].text == "unit-node");
  CHECK(first["module"].text == "unit-json");
  CHECK(first["message"].text == "job 'j-1': ESL 0a0000000001 answered \"ok\"");
  CHECK(first["job"].text == "j-1");
  CHECK(first["esl"].text == "0A0000000001");
  CHECK(first["time"].text.size() == 24);
  CHECK(first["time"].text.back() == 'Z');
  auto second = parse_line(lines[1]);
  CHECK(second["level"].text == "warn");
  CHECK(second["command"].text == "281474976710657");
  CHECK(second["esl"].text == "0A0000000002");

  // Text, unchanged: local time, level letter, process name, [module], message.
  o.format = "text";
  o.file = dir.file("text.log");
  REQUIRE(log::setup(o).empty());
  lg->info("job 'j-2' done"); // a logger made before setup follows it
  log::flush();
  auto text = file_lines(o.file);
  REQUIRE(text.size() == 1);
  CHECK(text[0].size() > 24);
  CHECK(text[0].substr(23) == " I unit-node [unit-json] job 'j-2' done");
}
