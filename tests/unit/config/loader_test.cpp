#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "config/suggest.hpp"
#include "config/validators.hpp"
#include "temp_file.hpp"

using namespace shelfwire::config;
using shelfwire::config::test::temp_file;

namespace {

struct toy_options {
  bool flag = true;
  int count = 4;
  uint16_t port = 80;
  int64_t big = 5;
  std::string name = "n";
  std::string free;
  std::string mode = "fast";
  std::vector<uint32_t> codes = {1, 2};
  int lo = 10;
  int hi = 20;
};

schema<toy_options> make_toy_schema() {
  schema<toy_options> s{"toy", "A toy program for the loader tests."};
  s.add_section("a", "Section a.");
  s.boolean(
      "a.flag", [](auto& o) -> auto& { return o.flag; }, "A flag.");
  s.integer(
      "a.count", [](auto& o) -> auto& { return o.count; }, 1, 10, "A count.");
  s.integer(
      "a.port", [](auto& o) -> auto& { return o.port; }, 1, 65535, "A port.");
  s.integer(
      "a.big", [](auto& o) -> auto& { return o.big; }, -5, 5'000'000'000, "A big one.");
  s.add_section("b", "Section b.");
  s.string(
      "b.name", [](auto& o) -> auto& { return o.name; }, "A name.", "1 to 8 of A-Z a-z 0-9 _",
      validators::name("_", 1, 8));
  s.string(
      "b.free", [](auto& o) -> auto& { return o.free; }, "Any text.");
  s.enumeration(
      "b.mode", [](auto& o) -> auto& { return o.mode; }, {"fast", "slow"}, "A mode.");
  s.integer_list(
      "b.codes", [](auto& o) -> auto& { return o.codes; }, 0, 255, "Some codes.");
  s.add_section("r", "Rules.");
  s.integer(
      "r.lo", [](auto& o) -> auto& { return o.lo; }, 0, 100, "Low.");
  s.integer(
      "r.hi", [](auto& o) -> auto& { return o.hi; }, 0, 100, "High.");
  s.require_at_least("r.hi", "r.lo");
  return s;
}

const schema<toy_options>& toy() {
  static const auto s = make_toy_schema();
  return s;
}

using args_t = std::vector<std::string>;

toy_options load_ok(const args_t& args) {
  auto r = load(toy(), args);
  INFO((r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  CHECK(r->action == config_action::run);
  return r->options;
}

config_error load_fail(const args_t& args) {
  auto r = load(toy(), args);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

/// Loads `ini` (written to a file named t.ini) plus `extra` arguments; the
/// error message has the temp path replaced by "t.ini".
config_error file_fail(const std::string& ini, const args_t& extra = {}) {
  temp_file f{ini};
  args_t args{"--config", f.path()};
  args.insert(args.end(), extra.begin(), extra.end());
  auto err = load_fail(args);
  for (auto pos = err.message.find(f.path()); pos != std::string::npos;
       pos = err.message.find(f.path()))
    err.message.replace(pos, f.path().size(), "t.ini");
  return err;
}

toy_options file_ok(const std::string& ini, const args_t& extra = {}) {
  temp_file f{ini};
  args_t args{"--config=" + f.path()};
  args.insert(args.end(), extra.begin(), extra.end());
  return load_ok(args);
}

} // namespace

TEST_CASE("loader: the toy schema is sound") {
  CHECK(toy().problems().empty());
  CHECK(toy().keys().size() == 10);
}

TEST_CASE("loader: no arguments give the defaults") {
  auto o = load_ok({});
  toy_options d;
  CHECK(o.flag == d.flag);
  CHECK(o.count == d.count);
  CHECK(o.port == d.port);
  CHECK(o.name == d.name);
  CHECK(o.mode == d.mode);
  CHECK(o.codes == d.codes);
}

TEST_CASE("loader: a file sets every type") {
  auto o = file_ok("[a]\nflag = false\ncount = 10\nport = 65535\nbig = 5000000000\n"
                   "[b]\nname = \"x_1\"\nfree = 'any ; thing'\nmode = slow\ncodes = [0, 255]\n"
                   "[r]\nlo = 0\nhi = 0\n");
  CHECK_FALSE(o.flag);
  CHECK(o.count == 10);
  CHECK(o.port == 65535);
  CHECK(o.big == 5'000'000'000);
  CHECK(o.name == "x_1");
  CHECK(o.free == "any ; thing");
  CHECK(o.mode == "slow");
  CHECK(o.codes == std::vector<uint32_t>{0, 255});
  CHECK(o.lo == 0);
  CHECK(o.hi == 0);
}

TEST_CASE("loader: booleans accept only true and false") {
  CHECK(file_ok("[a]\nflag = true\n").flag);
  for (std::string bad : {"yes", "1", "True", "on", "", "[true]"}) {
    auto err = file_fail("[a]\n\nflag = " + bad + "\n");
    CHECK(err.key == "a.flag");
    CHECK(err.message == "a.flag: expected true or false, got '" + bad + "' (t.ini:3)");
  }
  CHECK(load_fail({"--a.flag=no"}).message ==
        "a.flag: expected true or false, got 'no' (command line)");
}

TEST_CASE("loader: integers are decimal and within their range") {
  CHECK(file_ok("[a]\ncount = +7\n").count == 7);
  CHECK(file_ok("[a]\nbig = -5\n").big == -5);
  for (std::string bad : {"abc", "0", "11", "-1", "0x5", "5.0", "5 apples", "", "\"\"",
                          "99999999999999999999", "[5]"}) {
    auto err = file_fail("[a]\ncount = " + bad + "\n");
    CHECK(err.key == "a.count");
    std::string shown = bad == "\"\"" ? "\"\"" : bad;
    CHECK(err.message == "a.count: expected an integer in [1, 10], got '" + shown + "' (t.ini:2)");
  }
  CHECK(load_fail({"--a.port=65536"}).message ==
        "a.port: expected an integer in [1, 65535], got '65536' (command line)");
  CHECK(load_fail({"--a.big=5000000001"}).message.find("[-5, 5000000000]") != std::string::npos);
}

TEST_CASE("loader: enumerations list their legal values") {
  CHECK(load_ok({"--b.mode=slow"}).mode == "slow");
  CHECK(file_ok("[b]\nmode = \"slow\"\n").mode == "slow");
  auto err = file_fail("[b]\nmode = Slow\n");
  CHECK(err.key == "b.mode");
  CHECK(err.message == "b.mode: expected one of fast, slow, got 'Slow' (t.ini:2)");
}

TEST_CASE("loader: strings with and without a validator") {
  CHECK(load_ok({"--b.free=anything at all; #really"}).free == "anything at all; #really");
  CHECK(load_ok({"--b.free="}).free.empty());
  CHECK(file_ok("[b]\nfree =\n").free.empty());
  CHECK(load_ok({"--b.name=abc_DEF1"}).name == "abc_DEF1");
  auto err = load_fail({"--b.name=too-long-name"});
  CHECK(err.key == "b.name");
  CHECK(err.message ==
        "b.name: expected 1 to 8 of A-Z a-z 0-9 _, got 'too-long-name' (command line)");
  CHECK(file_fail("[b]\nname = \"\"\n").message ==
        "b.name: expected 1 to 8 of A-Z a-z 0-9 _, got '\"\"' (t.ini:2)");
  CHECK(file_fail("[b]\nfree = [1, 2]\n").message ==
        "b.free: expected a string, got '[1, 2]' (t.ini:2)");
}

TEST_CASE("loader: integer lists") {
  CHECK(file_ok("[b]\ncodes = []\n").codes.empty());
  CHECK(file_ok("[b]\ncodes = [7]\n").codes == std::vector<uint32_t>{7});
  CHECK(file_ok("[b]\ncodes = 3, 4\n").codes == std::vector<uint32_t>{3, 4});
  CHECK(load_ok({"--b.codes=1,2,3"}).codes == std::vector<uint32_t>{1, 2, 3});
  CHECK(load_ok({"--b.codes=[4, 5]"}).codes == std::vector<uint32_t>{4, 5});
  CHECK(load_ok({"--b.codes="}).codes.empty());
  CHECK(load_ok({"--b.codes=[]"}).codes.empty());
  auto err = file_fail("[b]\ncodes = [1, 256]\n");
  CHECK(err.key == "b.codes");
  CHECK(err.message ==
        "b.codes: expected a list of integers, each in [0, 255], got '[1, 256]' (t.ini:2)");
  CHECK(load_fail({"--b.codes=1,,2"}).message ==
        "b.codes: expected a list of integers, each in [0, 255], got '1,,2' (command line)");
  CHECK(load_fail({"--b.codes=[1, x]"}).key == "b.codes");
  CHECK(load_fail({"--b.codes=[1, 2"}).key == "b.codes");
  CHECK(file_fail("[b]\ncodes = [\"a\"]\n").key == "b.codes");
}

TEST_CASE("loader: unknown keys get a suggestion") {
  auto err = file_fail("[a]\ncuont = 3\n");
  CHECK(err.key == "a.cuont");
  CHECK(err.message == "a.cuont: unknown key (t.ini:2); did you mean a.count?");

  err = file_fail("[b]\ncount = 3\n");
  CHECK(err.message == "b.count: unknown key (t.ini:2); did you mean a.count?");

  err = file_fail("[a]\nzzzzzzzz = 3\n");
  CHECK(err.message == "a.zzzzzzzz: unknown key (t.ini:2); keys of [a] are flag, count, port, big");

  err = load_fail({"--a.prot=1"});
  CHECK(err.key == "a.prot");
  CHECK(err.message == "a.prot: unknown key (command line); did you mean --a.port?");
}

TEST_CASE("loader: unknown sections get a suggestion") {
  auto err = file_fail("[a]\ncount = 3\n\n[bb]\nname = x\n");
  CHECK(err.key == "bb");
  CHECK(err.message == "[bb]: unknown section (t.ini:4); did you mean [b]?");

  err = file_fail("[nothing-like-it]\n");
  CHECK(err.message == "[nothing-like-it]: unknown section (t.ini:1); sections are a, b, r");

  err = load_fail({"--nothing-like-it.x=1"});
  CHECK(err.message == "[nothing-like-it]: unknown section (command line); sections are a, b, r");
}

TEST_CASE("loader: the first error in file order is reported") {
  auto err = file_fail("[a]\ncount = 0\n[zz]\nx = 1\n");
  CHECK(err.key == "a.count");
  err = file_fail("[zz]\nx = 1\n[a]\ncount = 0\n");
  CHECK(err.key == "zz");
}

TEST_CASE("loader: duplicate keys in the file are errors") {
  auto err = file_fail("[a]\ncount = 3\ncount = 4\n");
  CHECK(err.key == "a.count");
  CHECK(err.message == "a.count: duplicate key (t.ini:3), first set at t.ini:2");
}

TEST_CASE("loader: the command line wins over the file, the last option wins") {
  temp_file f{"[a]\ncount = 3\nport = 8080\n"};
  auto o = load_ok({"--a.count=7", "--config", f.path()});
  CHECK(o.count == 7);
  CHECK(o.port == 8080);
  CHECK(load_ok({"--config", f.path(), "--a.count=7", "--a.count=9"}).count == 9);

  auto r = load_settings(toy(), toy().read(toy_options{}), {"--config", f.path(), "--a.count=7"});
  REQUIRE(r);
  CHECK(r->values.origin("a.count") == "command line");
  CHECK(r->values.origin("a.port") == f.path() + ":3");
  CHECK(r->values.origin("a.big") == "default");
  CHECK(r->config_file == f.path());
}

TEST_CASE("loader: the command line itself is checked") {
  CHECK(load_fail({"--a.count"}).message == "a.count: missing value (command line); write "
                                            "--a.count=VALUE");
  CHECK(load_fail({"stray"}).message.find("'stray': unexpected argument") == 0);
  CHECK(load_fail({"--dump_config"}).message ==
        "--dump_config: unknown option (command line); did you mean --dump-config?");
  CHECK(load_fail({"--count=3"}).message ==
        "--count: unknown option (command line); did you mean --a.count?");
  CHECK(load_fail({"-x"}).message.find("-x: unknown option") == 0);
  CHECK(load_fail({"--config"}).message == "--config: missing file name (command line)");
  CHECK(load_fail({"--config="}).message == "--config: empty file name (command line)");
  CHECK(load_fail({"--config=a", "--config=b"}).message == "--config: given twice (command line)");
  CHECK(load_fail({"--dump-config", "--check-config"}).message.find("cannot be combined") !=
        std::string::npos);
  auto err = load_fail({"--config", "/nonexistent/x.ini"});
  CHECK(err.key == "--config");
  CHECK(err.message.find("--config: cannot read '/nonexistent/x.ini'") == 0);
}

TEST_CASE("loader: --help wins and lists every key") {
  for (auto args : {args_t{"--help"}, args_t{"-h"}, args_t{"--bogus", "-h", "--a.count=0"}}) {
    auto r = load(toy(), args);
    REQUIRE(r);
    CHECK(r->action == config_action::help);
    CHECK(r->text.find("usage: toy") == 0);
    for (const auto& k : toy().keys())
      CHECK(r->text.find("--" + k.key + "=") != std::string::npos);
    CHECK(r->text.find("one of fast, slow") != std::string::npos);
    CHECK(r->text.find("(default: [1, 2])") != std::string::npos);
    CHECK(r->text.find("must be >= r.lo") != std::string::npos);
  }
}

TEST_CASE("loader: --check-config validates and reports") {
  auto r = load(toy(), {"--check-config", "--a.count=3"});
  REQUIRE(r);
  CHECK(r->action == config_action::check);
  CHECK(r->options.count == 3);
  CHECK(r->text == "toy: configuration OK (no --config file, 1 command-line override)\n");
  CHECK_FALSE(load(toy(), {"--check-config", "--a.count=0"}));
}

TEST_CASE("loader: --dump-config output reads back to the same options") {
  temp_file f{"[b]\nfree = \"tab\\there \\\"q\\\" back\\\\slash ; # [x]\"\ncodes = []\n"};
  auto r = load(toy(), {"--config", f.path(), "--dump-config", "--a.flag=false", "--b.mode=slow",
                        "--a.big=-3", "--r.hi=100"});
  REQUIRE(r);
  CHECK(r->action == config_action::dump);
  CHECK(r->options.free == "tab\there \"q\" back\\slash ; # [x]");
  CHECK(r->text.find("# A count.") != std::string::npos);
  CHECK(r->text.find("mode = slow\n") != std::string::npos);
  CHECK(r->text.find("flag = false\n") != std::string::npos);

  temp_file dumped{r->text};
  auto again = load(toy(), {"--config", dumped.path()});
  INFO(r->text);
  REQUIRE(again);
  auto a = toy().read(r->options);
  auto b = toy().read(again->options);
  for (const auto& [key, s] : a)
    CHECK(b.find(key)->v == s.v);
  CHECK(dump(toy(), again->options) == dump(toy(), r->options));
}

TEST_CASE("loader: cross-key rules name both keys") {
  auto err = file_fail("[r]\nlo = 30\n");
  CHECK(err.key == "r.hi");
  CHECK(err.message == "r.hi: must be >= r.lo; got r.hi = 20 (default), r.lo = 30 (t.ini:2)");
  err = load_fail({"--r.hi=5"});
  CHECK(err.message == "r.hi: must be >= r.lo; got r.hi = 5 (command line), r.lo = 10 (default)");
  CHECK(load_ok({"--r.hi=30", "--r.lo=30"}).hi == 30);
}

TEST_CASE("loader: defaults are validated too") {
  toy_options base;
  base.count = 0;
  auto r = load(toy(), {}, base);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "a.count: expected an integer in [1, 10], got '0' (default)");
  // ... unless a legal value replaces them.
  auto fixed = load(toy(), {"--a.count=2"}, base);
  REQUIRE(fixed);
  CHECK(fixed->options.count == 2);
}

TEST_CASE("loader: a broken schema refuses to load") {
  struct o {
    uint16_t small = 1;
    int x = 1;
  };
  schema<o> s{"broken", ""};
  s.add_section("s", "S.");
  s.integer(
      "s.small", [](auto& v) -> auto& { return v.small; }, 0, 70000, "Too wide.");
  s.integer(
      "s.x", [](auto& v) -> auto& { return v.x; }, 5, 1, "Empty range.");
  s.integer(
      "s.x", [](auto& v) -> auto& { return v.x; }, 1, 5, "Twice.");
  s.integer(
      "t.x", [](auto& v) -> auto& { return v.x; }, 1, 5, "Undeclared section.");
  s.integer(
      "s.y", [](auto& v) -> auto& { return v.x; }, 1, 5, "");
  s.require_at_least("s.x", "s.nope");
  REQUIRE(s.problems().size() == 6);
  CHECK(s.problems()[0] == "s.small: range does not fit the bound field's type");
  CHECK(s.problems()[1] == "s.x: empty range");
  CHECK(s.problems()[2] == "s.x: declared twice");
  CHECK(s.problems()[3] == "t.x: section 't' is not declared");
  CHECK(s.problems()[4] == "s.y: undocumented");
  CHECK(s.problems()[5] == "rule on unknown key 's.nope'");
  auto r = load(s, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("internal error") == 0);
}

TEST_CASE("loader: validators never throw out of load") {
  struct o {
    std::string s = "ok";
  };
  schema<o> sch{"throwing", ""};
  sch.add_section("s", "S.");
  sch.string(
      "s.s", [](auto& v) -> auto& { return v.s; }, "Throws on 'boom'.", "not boom",
      [](std::string_view v) -> bool {
        if (v == "boom")
          throw std::runtime_error{"validator failed"};
        return true;
      });
  auto r = load(sch, {"--s.s=boom"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "internal error while configuring: validator failed");
}

TEST_CASE("suggest: edit distance and closest") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("mqtt", "mqqt") == 1);
  CHECK(edit_distance("ab", "ba") == 1);
  CHECK(closest("mqqt", {"node", "mqtt", "redis"}) == "mqtt");
  CHECK(closest("xyz", {"node", "mqtt", "redis"}).empty());
  CHECK(closest("routers.pool-sise", {"routers.pool-size", "routers.lookup-batch-max"}) ==
        "routers.pool-size");
}
