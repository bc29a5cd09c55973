// shelfwire-submit: a job from arguments, files on disk, the node's own check
// of the encoded job, generated ids, and the command line.

#include <catch2/catch.hpp>

#include <fstream>

#include "actors/intake/cli/job_file.hpp"
#include "actors/intake/cli/submit_options.hpp"
#include "tests/support/process.hpp"

using namespace shelfwire;
using namespace shelfwire::submit;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string options_error(std::vector<std::string> argv) {
  argv.insert(argv.begin(), "shelfwire-submit");
  auto r = parse_options(argv);
  REQUIRE_FALSE(r);
  return r.error();
}

submit_options options(std::vector<std::string> argv) {
  argv.insert(argv.begin(), "shelfwire-submit");
  auto r = parse_options(argv);
  INFO((r ? "" : r.error()));
  REQUIRE(r);
  return *r;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}

} // namespace

TEST_CASE("submit: one command, or one per ESL, from arguments") {
  auto r = job_from_arguments({"AABBCCDDEEFF"}, "blink", {});
  REQUIRE(r);
  REQUIRE(r->commands.size() == 1);
  CHECK(r->commands[0].op == wire::op_kind::blink);
  CHECK(r->origins[0] == "--esl AABBCCDDEEFF");
  r = job_from_arguments({"AA:BB:CC:DD:EE:01", "aabbccddee02"}, "price",
                         {"price=1.99", "formula=a=b;c"});
  REQUIRE(r);
  REQUIRE(r->commands.size() == 2);
  CHECK(r->commands[1].esl == esl_mac::from_u64(0xAABBCCDDEE02));
  CHECK(r->commands[1].args ==
        wire::arg_list{{"price", "1.99"}, {"formula", "a=b;c"}}); // one --arg, one pair
  CHECK(contains(job_from_arguments({"AABBCCDDEEF"}, "blink", {}).error(), "--esl: bad ESL"));
  CHECK(contains(job_from_arguments({"AABBCCDDEEFF"}, "flash", {}).error(), "--op: unknown"));
  CHECK(contains(job_from_arguments({"AABBCCDDEEFF"}, "price", {"price"}).error(),
                 "--arg: argument \"price\" has no '='"));
  CHECK(contains(job_from_arguments({"AABBCCDDEEFF"}, "price", {"a=1", "a=2"}).error(),
                 "given twice"));
  CHECK(contains(job_from_arguments({}, "blink", {}).error(), "--esl is missing"));
}

TEST_CASE("submit: the encoded job passes the node's decoder; refusals name the command") {
  wire::job_submission job;
  job.job = "j-1";
  job.commands.push_back({esl_mac::from_u64(1), wire::op_kind::price, {{"price", "1"}}});
  auto p = encode_checked(job, {"line 1"});
  REQUIRE(p);
  auto back = wire::decode_job(*p);
  REQUIRE(back);
  CHECK(back->job == "j-1");
  CHECK(back->commands.size() == 1);

  input_limits lim;
  lim.max_payload_bytes = 1024;
  job.commands[0].args[0].second = std::string(2000, 'x');
  CHECK(contains(encode_checked(job, {"line 1"}, lim).error(), "--max-payload-bytes"));
  // What only the node's decoder catches still names the command.
  lim = {};
  lim.max_string_bytes = 1 << 20;
  job.commands[0].args[0].second = std::string(70 * 1024, 'x');
  auto e = encode_checked(job, {"line 7"}, lim).error();
  CHECK(contains(e, "line 7: a node would refuse the job: limit_exceeded at 'commands[0].args"));
  job.job = "bad/id";
  CHECK(contains(encode_checked(job, {"line 1"}).error(), "job id \"bad/id\""));
}

TEST_CASE("submit: generated job ids are valid, whatever the host is called") {
  auto id = generate_job_id("shelf-host.local", 1'714'557'600'000, 0xDEADBEEF12345678ull);
  CHECK(id == "submit-shelf-host.local-20240501T100000Z-12345678");
  CHECK(wire::check_job_id(id).empty());
  auto odd = generate_job_id("h\xC3\xA9 st/#+" + std::string(200, 'x'), 0, 1);
  CHECK(wire::check_job_id(odd).empty());
  CHECK(wire::check_job_id(generate_job_id("", 0, 0)).empty());
}

TEST_CASE("submit: job files by extension or --format, errors start with the path") {
  CHECK(format_of_path("a/b/job.json") == input_format::json);
  CHECK(format_of_path("JOB.CSV") == input_format::csv);
  CHECK_FALSE(format_of_path("job.txt"));
  CHECK_FALSE(format_of_path("dir.json/job"));
  sim::temp_dir dir;
  write(dir.file("j.csv"), "AABBCCDDEEFF,blink\n");
  write(dir.file("j.dat"), R"([{"esl": "AABBCCDDEEFF", "op": "ping"}])");
  auto r = load_job_file(dir.file("j.csv"), std::nullopt);
  REQUIRE(r);
  CHECK(r->commands.size() == 1);
  r = load_job_file(dir.file("j.dat"), input_format::json);
  REQUIRE(r);
  CHECK(r->commands[0].op == wire::op_kind::ping);
  CHECK(contains(load_job_file(dir.file("j.dat"), std::nullopt).error(), "--format"));
  CHECK(load_job_file(dir.file("missing.csv"), std::nullopt).error() ==
        dir.file("missing.csv") + ": cannot open the file");
  write(dir.file("bad.csv"), "AABBCCDDEEFF,blink\n\nAABBCCDDEEFF,blonk\n");
  CHECK(contains(load_job_file(dir.file("bad.csv"), std::nullopt).error(),
                 dir.file("bad.csv") + ": line 3: unknown operation \"blonk\""));
  input_limits lim;
  lim.max_file_bytes = 10;
  CHECK(contains(load_job_file(dir.file("j.csv"), std::nullopt, lim).error(), "larger than 10"));
}

TEST_CASE("submit: the command line") {
  auto o = options({"--esl", "AABBCCDDEEFF", "--op", "blink"});
  CHECK(o.esls == std::vector<std::string>{"AABBCCDDEEFF"});
  CHECK(o.mqtt_url == "tcp://127.0.0.1:1883");
  CHECK(o.prefix == "esl/jobs");
  CHECK(o.receipt_timeout_ms == 5'000);
  CHECK(o.max_submits == 5);
  CHECK(o.timeout_ms == 600'000);
  CHECK(o.show_failed == 20);
  CHECK_FALSE(o.json);
  o = options({"--file=j.txt", "--format", "csv", "--mqtt=tcp://broker:1884", "--json",
               "--timeout-ms", "0", "--max-submits=2", "--receipt-timeout-ms", "250",
               "--show-failed", "0", "--job", "j-1", "--prefix", "a/b", "--quiet"});
  CHECK(o.file == "j.txt");
  CHECK(o.format == input_format::csv);
  CHECK(o.mqtt_url == "tcp://broker:1884");
  CHECK(o.json);
  CHECK(o.timeout_ms == 0);
  CHECK(o.max_submits == 2);
  CHECK(o.receipt_timeout_ms == 250);
  CHECK(o.show_failed == 0);
  CHECK(o.job == "j-1");
  CHECK(o.prefix == "a/b");
  CHECK(o.quiet);
  CHECK(options({"--help"}).help);
  CHECK(options({"--file", "x", "--help"}).help);

  CHECK(contains(options_error({}), "expected --file PATH"));
  CHECK(contains(options_error({"--file", "x", "--esl", "AABBCCDDEEFF"}), "exclude each other"));
  CHECK(contains(options_error({"--esl", "AABBCCDDEEFF"}), "--op is missing"));
  CHECK(contains(options_error({"--op", "blink"}), "--esl is missing"));
  CHECK(contains(options_error({"--file"}), "--file needs a value"));
  CHECK(contains(options_error({"--file", "x", "--bogus"}), "unknown option '--bogus'"));
  CHECK(contains(options_error({"--file", "x", "extra"}), "unexpected argument 'extra'"));
  CHECK(contains(options_error({"--file", "x", "--format", "xml"}), "--format"));
  CHECK(contains(options_error({"--file", "x", "--mqtt", "localhost:1883"}), "tcp://host:port"));
  CHECK(contains(options_error({"--file", "x", "--mqtt", "tcp://h:0"}), "tcp://host:port"));
  CHECK(contains(options_error({"--file", "x", "--max-submits", "0"}), "[1, 1000]"));
  CHECK(contains(options_error({"--file", "x", "--timeout-ms", "-1"}), "--timeout-ms"));
  CHECK(contains(options_error({"--file", "x", "--timeout-ms", "5s"}), "got '5s'"));
  CHECK(contains(options_error({"--file", "x", "--job", "a b"}), "--job"));
  CHECK(contains(options_error({"--file", "x", "--prefix", "esl/+"}), "--prefix"));
  CHECK(contains(options_error({"--file", "x", "--json=yes"}), "--json takes no value"));
  CHECK(contains(options_error({"--file", "x", "--quiet", "--verbose"}), "--quiet excludes"));
  CHECK(valid_broker_url("mqtt://127.0.0.1:1883"));
  CHECK(valid_broker_url("ssl://127.0.0.1:8883"));
  CHECK(valid_broker_url("mqtts://broker:8883"));
  CHECK_FALSE(valid_broker_url("tls://127.0.0.1:8883"));
  CHECK_FALSE(valid_broker_url("ssl://broker"));
}

TEST_CASE("submit: TLS and password-file flags") {
  auto o = parse_options({"shelfwire-submit", "--file", "x", "--mqtt", "ssl://broker:8883",
                          "--tls-ca", "ca.pem", "--tls-cert=c.pem", "--tls-key", "c.key",
                          "--password-file", "/run/secrets/mqtt"});
  REQUIRE(o);
  CHECK(o->mqtt_url == "ssl://broker:8883");
  CHECK(o->tls_ca == "ca.pem");
  CHECK(o->tls_cert == "c.pem");
  CHECK(o->tls_key == "c.key");
  CHECK(o->password_file == "/run/secrets/mqtt");
}

TEST_CASE("submit: rollout flags, and they win over the JSON file's keys") {
  auto o = options({"--esl", "AABBCCDDEEFF", "--op", "blink", "--priority", "high", "--rate=2.5",
                    "--abort-threshold", "0.1", "--abort-min-outcomes", "50"});
  CHECK(o.rollout.prio == priority::high);
  CHECK(o.rollout.rate_per_s == 2.5);
  CHECK(o.rollout.abort_threshold == 0.1);
  CHECK(o.rollout.abort_min_outcomes == 50u);
  auto plain = options({"--esl", "AABBCCDDEEFF", "--op", "blink"});
  CHECK_FALSE(plain.rollout.prio);
  CHECK_FALSE(plain.rollout.rate_per_s);

  CHECK(contains(options_error({"--file", "x", "--priority", "urgent"}), "--priority"));
  CHECK(contains(options_error({"--file", "x", "--rate", "0"}), "--rate: commands per second"));
  CHECK(contains(options_error({"--file", "x", "--rate", "fast"}), "--rate: expected a number"));
  CHECK(contains(options_error({"--file", "x", "--rate", "nan"}), "--rate"));
  CHECK(contains(options_error({"--file", "x", "--abort-threshold", "10"}), "--abort-threshold"));
  CHECK(contains(options_error({"--file", "x", "--abort-threshold", "0"}), "(0, 1]"));
  CHECK(contains(options_error({"--file", "x", "--abort-min-outcomes", "0"}),
                 "--abort-min-outcomes"));

  // File keys, then flags.
  wire::job_submission job;
  rollout_input file;
  file.prio = priority::bulk;
  file.rate_per_s = 5;
  file.abort_threshold = 0.5;
  rollout_input flags;
  flags.rate_per_s = 1;
  apply_rollout(job, file, flags);
  CHECK(job.prio == priority::bulk);
  CHECK(job.rate_per_s == 1.0);
  CHECK(job.abort_threshold == 0.5);
  CHECK(job.abort_min_outcomes == wire::default_abort_min_outcomes);
  // The encoded job carries them, and the node's decoder takes it.
  job.job = "j";
  job.commands.push_back({esl_mac::from_u64(1), wire::op_kind::ping, {}});
  auto payload = encode_checked(job, {"--esl 000000000001"});
  REQUIRE(payload);
  auto back = wire::decode_job(*payload);
  REQUIRE(back);
  CHECK(back->prio == priority::bulk);
  CHECK(back->rate_per_s == 1.0);
}
