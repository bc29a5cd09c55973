// shelfwire-submit's CSV jobs (actors/intake/cli/job_csv): good files, and
// every kind of bad one, each error naming its line.

#include <catch2/catch.hpp>

#include "actors/intake/cli/job_file.hpp"

using namespace shelfwire;
using namespace shelfwire::submit;

namespace {

std::string csv_error(const std::string& text, const input_limits& lim = {}) {
  auto r = parse_csv_job(text, lim);
  REQUIRE_FALSE(r);
  return r.error();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

using arg = std::pair<std::string, std::string>;

} // namespace

TEST_CASE("submit: a CSV job with a header, comments, blank lines and arguments") {
  auto r = parse_csv_job("esl,op,args\n"
                         "# prices for aisle 3\n"
                         "\n"
                         "AABBCCDDEEFF,price,price=1.99;currency=EUR\n"
                         "  00000000000a , blink ,  \n"
                         "00:00:00:00:00:0B,ping\n"
                         "00000000000C,image,url=http://x/a?b=c,d;note=semi\\;colon\\\\;\n");
  REQUIRE(r);
  CHECK(r->job.empty());
  REQUIRE(r->commands.size() == 4);
  CHECK(r->commands[0].esl == esl_mac::from_u64(0xAABBCCDDEEFF));
  CHECK(r->commands[0].op == wire::op_kind::price);
  CHECK(r->commands[0].args == wire::arg_list{arg{"price", "1.99"}, arg{"currency", "EUR"}});
  CHECK(r->commands[1].esl == esl_mac::from_u64(0x0A));
  CHECK(r->commands[1].op == wire::op_kind::blink);
  CHECK(r->commands[1].args.empty());
  CHECK(r->commands[2].op == wire::op_kind::ping);
  CHECK(r->commands[3].args ==
        wire::arg_list{arg{"url", "http://x/a?b=c,d"}, arg{"note", "semi;colon\\"}});
  CHECK(r->origins == std::vector<std::string>{"line 4", "line 5", "line 6", "line 7"});
}

TEST_CASE("submit: CSV without a header, with CRLF, a byte order mark and quoted fields") {
  auto r = parse_csv_job("\xEF\xBB\xBF"
                         "AABBCCDDEEFF,price,\"price=1.99;label=say \"\"hi\"\"\"\r\n"
                         "\"AABBCCDDEEFE\",\"blink\"\r\n"
                         "AABBCCDDEEFD,ping"); // no newline at the end
  REQUIRE(r);
  REQUIRE(r->commands.size() == 3);
  CHECK(r->commands[0].args == wire::arg_list{arg{"price", "1.99"}, arg{"label", "say \"hi\""}});
  CHECK(r->commands[1].op == wire::op_kind::blink);
  CHECK(r->commands[2].esl == esl_mac::from_u64(0xAABBCCDDEEFD));
  CHECK(r->origins[2] == "line 3");
}

TEST_CASE("submit: an empty CSV file, or one with only a header and comments, is refused") {
  CHECK(contains(csv_error(""), "no commands"));
  CHECK(contains(csv_error("\n\n   \n"), "no commands"));
  CHECK(contains(csv_error("esl,op,args\n# nothing yet\n"), "no commands"));
}

TEST_CASE("submit: bad CSV lines are refused, naming the line") {
  const std::string head = "esl,op,args\n# comment\nAABBCCDDEEFF,blink\n";
  CHECK(csv_error(head + "AABBCCDDEEF,blink\n") ==
        "line 4: bad ESL \"AABBCCDDEEF\": expected 12 hex digits (AABBCCDDEEFF)");
  CHECK(contains(csv_error(head + "AABBCCDDEEFG,blink\n"), "line 4: bad ESL"));
  CHECK(contains(csv_error(head + ",blink\n"), "line 4: bad ESL \"\""));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF\n"), "line 4: expected esl,op[,args]"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,prize\n"),
                 "line 4: unknown operation \"prize\" (expected one of price, image, blink, "
                 "page, ping)"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price,price\n"),
                 "line 4: argument \"price\" has no '='"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price,=1.99\n"), "line 4: argument \"=1.99\" has "
                                                                 "an empty name"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price, =1.99\n"), "line 4"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price,a=1;a=2\n"),
                 "line 4: argument \"a\" is given twice"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price,\"a=1\n"), "line 4: unterminated double"));
  CHECK(contains(csv_error(head + "AABBCCDDEEFF,price,\"a=\"1\"\n"), "line 4: stray double"));
  CHECK(contains(csv_error("x\xFF\x01,blink\n"), "line 1: bad ESL \"x\\xFF\\x01\""));
}

TEST_CASE("submit: a huge CSV line is refused, naming it") {
  std::string huge = "AABBCCDDEEFF,price,price=" + std::string(2 * 1024 * 1024, '9') + "\n";
  auto e = csv_error("AABBCCDDEEFF,blink\n" + huge);
  CHECK(contains(e, "line 2: longer than 1048576 bytes"));
  CHECK(e.size() < 200);
  // Under the line limit but over the decoder's 64 KiB per string.
  std::string long_value = "AABBCCDDEEFF,price,price=" + std::string(70 * 1024, '9') + "\n";
  e = csv_error(long_value);
  CHECK(contains(e, "line 1: argument \"price\" has a value of 71680 bytes"));
}

TEST_CASE("submit: CSV jobs over the command limit are refused at the first line too many") {
  input_limits lim;
  lim.max_commands = 3;
  std::string text;
  for (int i = 0; i < 5; ++i)
    text += "AABBCCDDEEF" + std::to_string(i) + ",blink\n";
  auto e = csv_error(text, lim);
  CHECK(contains(e, "line 4: more than 3 commands"));
}
