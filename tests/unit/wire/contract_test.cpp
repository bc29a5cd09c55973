#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "tests/unit/wire/wire_test_support.hpp"

using namespace wire_test;

namespace {

action sample_action() {
  action a;
  a.id = sample_token();
  a.esl = esl_a;
  a.op = op_kind::price;
  a.args = {{"price", "9.99"}, {"currency", "EUR"}};
  a.ttl_ms = 30000;
  return a;
}

/// Decodes `bytes` with the decoder of payload kind `kind`; returns the error.
std::optional<decode_error> error_of(std::string_view kind, std::string_view bytes,
                                     const decode_limits& lim = {}) {
  auto pick = [](const auto& d) -> std::optional<decode_error> {
    if (d)
      return std::nullopt;
    return d.error();
  };
  if (kind == "action")
    return pick(decode_action(bytes, lim));
  if (kind == "response")
    return pick(decode_response(bytes, lim));
  if (kind == "status")
    return pick(decode_status(bytes, lim));
  if (kind == "job")
    return pick(decode_job(bytes, lim));
  if (kind == "result")
    return pick(decode_job_result(bytes, lim));
  if (kind == "rejection")
    return pick(decode_job_rejection(bytes, lim));
  FAIL("unknown kind " << kind);
  return std::nullopt;
}

struct bad_case {
  std::string name;
  std::string kind;
  std::string bytes;
  decode_errc code;
  std::string key;
};

void check_cases(const std::vector<bad_case>& cases, const decode_limits& lim = {}) {
  for (const auto& c : cases) {
    INFO(c.kind << ": " << c.name << " [" << hex(c.bytes.substr(0, 64)) << "]");
    auto e = error_of(c.kind, c.bytes, lim);
    REQUIRE(e.has_value());
    INFO("got " << e->to_string());
    CHECK(e->code == c.code);
    CHECK(e->key == c.key);
    CHECK(!e->to_string().empty());
  }
}

} // namespace

// -- round trips and exact encodings ---------------------------------------------

TEST_CASE("action round-trips and encodes compactly in the documented key order") {
  auto a = sample_action();
  std::string out = "previous contents that must go";
  encode(a, out);
  std::string want = mp().map(6)
                         .str("v")
                         .uint(1)
                         .str("id")
                         .bin(sample_token())
                         .str("esl")
                         .str("AABBCCDDEEFF")
                         .str("op")
                         .str("price")
                         .str("args")
                         .map(2)
                         .str("price")
                         .str("9.99")
                         .str("currency")
                         .str("EUR")
                         .str("ttl")
                         .u16(30000);
  CHECK(hex(out) == hex(want));
  auto d = decode_action(out);
  INFO(describe(d));
  REQUIRE(d);
  CHECK(same(*d, a));

  SECTION("every op, empty args, extreme ttl") {
    for (auto op : all_ops) {
      action b;
      b.id = "";
      b.esl = esl_b;
      b.op = op;
      b.ttl_ms = UINT32_MAX;
      encode(b, out);
      auto e = decode_action(out);
      INFO(describe(e));
      REQUIRE(e);
      CHECK(same(*e, b));
      CHECK(e->esl.to_string() == "00000000000A");
    }
  }
}

TEST_CASE("response round-trips with and without optional keys") {
  response r;
  r.esl = esl_a;
  r.ack = false;
  std::string out = "junk";
  encode(r, out);
  CHECK(hex(out) ==
        hex(mp().map(3).str("v").uint(1).str("esl").str("AABBCCDDEEFF").str("ack").boolean(false)));
  auto d = decode_response(out);
  REQUIRE(d);
  CHECK(same(*d, r));
  CHECK(!d->id);

  r.id = sample_token();
  r.ack = true;
  r.code = 3;
  r.rssi = -77;
  encode(r, out);
  CHECK(hex(out) == hex(mp().map(6)
                            .str("v")
                            .uint(1)
                            .str("id")
                            .bin(sample_token())
                            .str("esl")
                            .str("AABBCCDDEEFF")
                            .str("ack")
                            .boolean(true)
                            .str("code")
                            .uint(3)
                            .str("rssi")
                            .sint(-77)));
  d = decode_response(out);
  REQUIRE(d);
  CHECK(same(*d, r));

  for (int32_t rssi : {INT32_MIN, -1, 0, 1, 127, 128, INT32_MAX}) {
    r.rssi = rssi;
    encode(r, out);
    d = decode_response(out);
    REQUIRE(d);
    CHECK(d->rssi == rssi);
  }
}

TEST_CASE("status round-trips") {
  status s;
  s.gw = gw_a;
  s.ts_ms = 1700000000123ull;
  s.adv = {{esl_a, -50}, {esl_b, -200}, {esl_mac::from_u64(1), 100}};
  std::string out;
  encode(s, out);
  CHECK(hex(out) == hex(mp().map(4)
                            .str("v")
                            .uint(1)
                            .str("gw")
                            .str("0123456789AB")
                            .str("ts")
                            .uint(1700000000123ull)
                            .str("adv")
                            .array(3)
                            .array(2)
                            .str("AABBCCDDEEFF")
                            .sint(-50)
                            .array(2)
                            .str("00000000000A")
                            .sint(-200)
                            .array(2)
                            .str("000000000001")
                            .sint(100)));
  auto d = decode_status(out);
  REQUIRE(d);
  CHECK(same(*d, s));

  s.ts_ms.reset();
  s.adv.clear();
  encode(s, out);
  d = decode_status(out);
  REQUIRE(d);
  CHECK(same(*d, s));
  CHECK(!d->ts_ms);
}

TEST_CASE("fixtures decode to the values they spell") {
  auto a = decode_action(action_fields());
  INFO(describe(a));
  REQUIRE(a);
  CHECK(same(*a, sample_action()));

  auto r = decode_response(response_fields());
  REQUIRE(r);
  CHECK(r->id == sample_token());
  CHECK(r->esl == esl_a);
  CHECK(r->ack);
  CHECK(r->code == 0u);
  CHECK(r->rssi == -61);

  auto s = decode_status(status_fields());
  REQUIRE(s);
  CHECK(s->gw == gw_a);
  CHECK(s->ts_ms == 1700000000123ull);
  REQUIRE(s->adv.size() == 2);
  CHECK(s->adv[1].esl == esl_b);
  CHECK(s->adv[1].rssi == -90);
  CHECK(s->skipped_adverts == 0);
}

TEST_CASE("lenient where the contract allows it") {
  SECTION("lower-case MACs are normalised") {
    auto d = decode_action(action_fields().with("esl", mp().str("aabbccddeeff")));
    REQUIRE(d);
    CHECK(d->esl.to_string() == "AABBCCDDEEFF");
  }
  SECTION("id as a string") {
    auto d = decode_action(action_fields().with("id", mp().str("abc")));
    REQUIRE(d);
    CHECK(d->id == "abc");
  }
  SECTION("integers in any width and either msgpack int family") {
    for (std::string v1 : {std::string(mp().uint(1)), std::string(mp().u64(1)),
                           std::string(mp().i8(1)), std::string(mp().i64(1))}) {
      for (std::string ttl : {std::string(mp().u8(5)), std::string(mp().i16(5)),
                              std::string(mp().i32(5)), std::string(mp().u64(5))}) {
        auto d = decode_action(action_fields().with("v", v1).with("ttl", ttl));
        INFO(hex(v1) << " / " << hex(ttl) << ": " << describe(d));
        REQUIRE(d);
        CHECK(d->ttl_ms == 5u);
      }
    }
    auto r =
        decode_response(response_fields().with("rssi", mp().i64(-5)).with("code", mp().i16(4)));
    REQUIRE(r);
    CHECK(r->rssi == -5);
    CHECK(r->code == 4u);
    r = decode_response(response_fields().with("rssi", mp().u32(42)));
    REQUIRE(r);
    CHECK(r->rssi == 42);
  }
  SECTION("args absent or nil means none") {
    auto d = decode_action(action_fields().without("args"));
    REQUIRE(d);
    CHECK(d->args.empty());
    d = decode_action(action_fields().with("args", mp().nil()));
    REQUIRE(d);
    CHECK(d->args.empty());
  }
  SECTION("optional response keys may be nil (= absent): legacy gateways") {
    auto d = decode_response(
        response_fields().with("id", mp().nil()).with("code", mp().nil()).with("rssi", mp().nil()));
    REQUIRE(d);
    CHECK(!d->id);
    CHECK(!d->code);
    CHECK(!d->rssi);
    d = decode_response(response_fields().without("id").without("code").without("rssi"));
    REQUIRE(d);
    CHECK(!d->id);
  }
  SECTION("keys in any order") {
    auto f = action_fields();
    std::reverse(f.kv.begin(), f.kv.end());
    auto d = decode_action(f);
    REQUIRE(d);
    CHECK(same(*d, sample_action()));
  }
  SECTION("a 32-byte id is the longest allowed") {
    auto d = decode_action(action_fields().with("id", mp().bin(std::string(32, 'x'))));
    REQUIRE(d);
    CHECK(d->id.size() == 32);
  }
}

// -- unknown keys ------------------------------------------------------------------

namespace {

/// One value of every msgpack type (and some nesting).
std::vector<std::pair<std::string, std::string>> every_type_value() {
  return {
      {"nil", mp().nil()},
      {"true", mp().boolean(true)},
      {"false", mp().boolean(false)},
      {"fixint", mp().uint(7)},
      {"u64max", mp().u64(UINT64_MAX)},
      {"negfix", mp().sint(-3)},
      {"i64min", mp().i64(INT64_MIN)},
      {"f32", mp().f32(1.5f)},
      {"f64", mp().f64(-2.25)},
      {"empty str", mp().str("")},
      {"str16", mp().str(std::string(300, 's'))},
      {"str32 form", mp().str32("abc")},
      {"bin", mp().bin(std::string("\x00\x01\xff", 3))},
      {"empty bin", mp().bin("")},
      {"fixext1", mp().ext(5, "x")},
      {"ext8", mp().ext(-7, "abc")},
      {"timestamp", mp().ext(-1, std::string(8, '\0'))},
      {"empty array", mp().array(0)},
      {"array", mp().array(3).uint(1).str("v").nil()},
      {"empty map", mp().map(0)},
      {"map with v=2 inside", mp().map(1).str("v").uint(2)},
      {"nested", mp().map(1).str("a").array(1).map(1).str("b").array(1).uint(1)},
      {"map16 form", mp().map16(1).str("k").str("v")},
  };
}

/// Non-string keys, with values that would be wrong if they were taken for `v`.
std::vector<std::pair<std::string, std::string>> non_string_keys() {
  return {
      {mp().uint(1), mp().uint(2)},
      {mp().sint(-1), mp().str("x")},
      {mp().nil(), mp().nil()},
      {mp().boolean(true), mp().uint(2)},
      {mp().bin("v"), mp().uint(2)},
      {mp().bin("esl"), mp().uint(5)},
      {mp().array(1).str("v"), mp().uint(2)},
      {mp().map(1).str("v").uint(2), mp().uint(2)},
      {mp().f64(1.0), mp().uint(2)},
      {mp().ext(1, "v"), mp().uint(2)},
  };
}

template <class Decode, class Same>
void check_unknown_keys_ignored(const fields& base, Decode decode, Same same_fn) {
  auto want = decode(base.encode());
  INFO(describe(want));
  REQUIRE(want);
  for (const auto& [name, value] : every_type_value()) {
    for (int where = 0; where < 3; ++where) {
      auto f = base;
      std::string key = "x-unknown-" + name;
      if (where == 0)
        f.add(key, value, true);
      else if (where == 1)
        f.kv.insert(f.kv.begin() + static_cast<long>(f.kv.size() / 2),
                    {std::string(mp().str(key)), value});
      else
        f.add(key, value);
      auto got = decode(f.encode());
      INFO("unknown key '" << name << "' at position " << where << ": " << describe(got));
      REQUIRE(got);
      CHECK(same_fn(*got, *want));
    }
  }
  // Keys that differ from known ones only in case, and non-string keys.
  auto f = base;
  f.add("V", mp().uint(2)).add("ESL", mp().uint(1)).add("v ", mp().nil());
  for (const auto& [k, v] : non_string_keys())
    f.add_raw(k, v, true);
  auto got = decode(f.encode());
  INFO(describe(got));
  REQUIRE(got);
  CHECK(same_fn(*got, *want));
}

} // namespace

TEST_CASE("unknown keys of every type, and non-string keys, are ignored") {
  auto same_fn = [](const auto& a, const auto& b) { return same(a, b); };
  SECTION("action") {
    check_unknown_keys_ignored(
        action_fields(), [](std::string_view b) { return decode_action(b); }, same_fn);
  }
  SECTION("response") {
    check_unknown_keys_ignored(
        response_fields(), [](std::string_view b) { return decode_response(b); }, same_fn);
  }
  SECTION("legacy response") {
    check_unknown_keys_ignored(
        response_fields().without("id"), [](std::string_view b) { return decode_response(b); },
        same_fn);
  }
  SECTION("status") {
    check_unknown_keys_ignored(
        status_fields(), [](std::string_view b) { return decode_status(b); }, same_fn);
  }
  SECTION("job") {
    check_unknown_keys_ignored(
        job_fields(), [](std::string_view b) { return decode_job(b); }, same_fn);
  }
  SECTION("result") {
    check_unknown_keys_ignored(
        result_fields(), [](std::string_view b) { return decode_job_result(b); }, same_fn);
  }
  SECTION("rejection") {
    check_unknown_keys_ignored(
        rejection_fields(), [](std::string_view b) { return decode_job_rejection(b); }, same_fn);
  }
}

// -- malformed input -----------------------------------------------------------------

namespace {

std::vector<std::pair<std::string, fields>> all_fixtures() {
  return {{"action", action_fields()},
          {"response", response_fields()},
          {"response", response_fields().without("id")},
          {"status", status_fields()},
          {"job", job_fields()},
          {"result", result_fields()},
          {"rejection", rejection_fields()}};
}

} // namespace

TEST_CASE("framing errors: empty, not msgpack, truncated, trailing, not a map") {
  for (const auto& [kind, f] : all_fixtures()) {
    const std::string valid = f.encode();
    REQUIRE(!error_of(kind, valid));
    std::vector<bad_case> cases = {
        {"empty", kind, "", decode_errc::truncated, ""},
        {"reserved byte 0xc1", kind, "\xc1", decode_errc::not_msgpack, ""},
        {"0xc1 as a value", kind, mp().map(1).str("v").byte(0xC1), decode_errc::not_msgpack, ""},
        {"trailing zero byte", kind, valid + std::string(1, '\0'), decode_errc::trailing_bytes, ""},
        {"two payloads", kind, valid + valid, decode_errc::trailing_bytes, ""},
        {"JSON text", kind, "{\"v\":1}", decode_errc::trailing_bytes, ""},
        {"array", kind, mp().array(1).uint(1), decode_errc::not_a_map, ""},
        {"integer", kind, mp().uint(1), decode_errc::not_a_map, ""},
        {"string", kind, mp().str("v"), decode_errc::not_a_map, ""},
        {"nil", kind, mp().nil(), decode_errc::not_a_map, ""},
        {"binary", kind, mp().bin(valid), decode_errc::not_a_map, ""},
    };
    for (size_t n = 0; n < valid.size(); ++n)
      cases.push_back({"prefix of " + std::to_string(n) + " bytes", kind, valid.substr(0, n),
                       decode_errc::truncated, ""});
    check_cases(cases);
  }
}

TEST_CASE("decode_error renders code, key and detail") {
  auto e = decode_action(action_fields().with("esl", mp().uint(5)));
  REQUIRE(!e);
  CHECK(e.error().to_string() == "wrong_type at 'esl': expected string, got integer");
  auto t = decode_action("");
  REQUIRE(!t);
  CHECK(t.error().to_string() == "truncated: empty payload");

  std::set<std::string_view> names;
  for (auto c : {decode_errc::too_large, decode_errc::not_msgpack, decode_errc::truncated,
                 decode_errc::trailing_bytes, decode_errc::not_a_map, decode_errc::limit_exceeded,
                 decode_errc::missing_key, decode_errc::wrong_type,
                 decode_errc::unsupported_version, decode_errc::bad_value})
    names.insert(to_string(c));
  CHECK(names.size() == 10);
  CHECK(names.count("unsupported_version") == 1);

  // Payload text in details is quoted and escaped, and cut when long.
  auto b = decode_action(
      action_fields().with("esl", mp().str(std::string("AB\n\"\x01") + std::string(100, 'Z'))));
  REQUIRE(!b);
  CHECK(b.error().code == decode_errc::bad_value);
  CHECK(b.error().detail.find("\\x0A\\x22\\x01") != std::string::npos);
  CHECK(b.error().detail.size() < 120);
}

TEST_CASE("version: required, the integer 1") {
  for (const auto& [kind, f] : all_fixtures()) {
    check_cases({
        {"missing v", kind, f.without("v"), decode_errc::missing_key, "v"},
        {"v=2", kind, f.with("v", mp().uint(2)), decode_errc::unsupported_version, "v"},
        {"v=0", kind, f.with("v", mp().uint(0)), decode_errc::unsupported_version, "v"},
        {"v=-1", kind, f.with("v", mp().sint(-1)), decode_errc::unsupported_version, "v"},
        {"v=2^64-1", kind, f.with("v", mp().u64(UINT64_MAX)), decode_errc::unsupported_version,
         "v"},
        {"v=1.0", kind, f.with("v", mp().f64(1.0)), decode_errc::wrong_type, "v"},
        {"v=\"1\"", kind, f.with("v", mp().str("1")), decode_errc::wrong_type, "v"},
        {"v=nil", kind, f.with("v", mp().nil()), decode_errc::wrong_type, "v"},
        {"v=true", kind, f.with("v", mp().boolean(true)), decode_errc::wrong_type, "v"},
        {"v twice", kind, fields(f).add("v", mp().uint(1)), decode_errc::bad_value, "v"},
    });
  }
  // The version is checked before the rest: a v2 payload may look different.
  auto e = decode_action(mp().map(1).str("v").uint(2));
  REQUIRE(!e);
  CHECK(e.error().code == decode_errc::unsupported_version);
}

TEST_CASE("action: missing keys, wrong types, bad values") {
  const auto f = action_fields();
  const std::string k = "action";
  check_cases({
      {"missing id", k, f.without("id"), decode_errc::missing_key, "id"},
      {"missing esl", k, f.without("esl"), decode_errc::missing_key, "esl"},
      {"missing op", k, f.without("op"), decode_errc::missing_key, "op"},
      {"missing ttl", k, f.without("ttl"), decode_errc::missing_key, "ttl"},
      {"id int", k, f.with("id", mp().uint(1)), decode_errc::wrong_type, "id"},
      {"id nil", k, f.with("id", mp().nil()), decode_errc::wrong_type, "id"},
      {"id array", k, f.with("id", mp().array(0)), decode_errc::wrong_type, "id"},
      {"id 33 bytes", k, f.with("id", mp().bin(std::string(33, 'x'))), decode_errc::bad_value,
       "id"},
      {"id 33-byte string", k, f.with("id", mp().str(std::string(33, 'x'))), decode_errc::bad_value,
       "id"},
      {"esl int", k, f.with("esl", mp().uint(0xAABBCCDDEEFF)), decode_errc::wrong_type, "esl"},
      {"esl bin", k, f.with("esl", mp().bin("AABBCCDDEEFF")), decode_errc::wrong_type, "esl"},
      {"esl nil", k, f.with("esl", mp().nil()), decode_errc::wrong_type, "esl"},
      {"esl 11 digits", k, f.with("esl", mp().str("AABBCCDDEEF")), decode_errc::bad_value, "esl"},
      {"esl 13 digits", k, f.with("esl", mp().str("AABBCCDDEEFF0")), decode_errc::bad_value, "esl"},
      {"esl not hex", k, f.with("esl", mp().str("AABBCCDDEEFG")), decode_errc::bad_value, "esl"},
      {"esl with colons", k, f.with("esl", mp().str("AA:BB:CC:DD:EE:FF")), decode_errc::bad_value,
       "esl"},
      {"esl empty", k, f.with("esl", mp().str("")), decode_errc::bad_value, "esl"},
      {"esl with NUL", k, f.with("esl", mp().str(std::string("AABBCCDDEE\0F", 12))),
       decode_errc::bad_value, "esl"},
      {"op unknown", k, f.with("op", mp().str("reboot")), decode_errc::bad_value, "op"},
      {"op upper case", k, f.with("op", mp().str("PRICE")), decode_errc::bad_value, "op"},
      {"op empty", k, f.with("op", mp().str("")), decode_errc::bad_value, "op"},
      {"op int", k, f.with("op", mp().uint(0)), decode_errc::wrong_type, "op"},
      {"op bin", k, f.with("op", mp().bin("price")), decode_errc::wrong_type, "op"},
      {"args array", k, f.with("args", mp().array(0)), decode_errc::wrong_type, "args"},
      {"args string", k, f.with("args", mp().str("price=1")), decode_errc::wrong_type, "args"},
      {"args value int", k, f.with("args", mp().map(2).str("a").str("x").str("price").uint(1)),
       decode_errc::wrong_type, "args.price"},
      {"args value nil", k, f.with("args", mp().map(1).str("price").nil()), decode_errc::wrong_type,
       "args.price"},
      {"args value map", k, f.with("args", mp().map(1).str("price").map(0)),
       decode_errc::wrong_type, "args.price"},
      {"args int name", k, f.with("args", mp().map(1).uint(1).str("x")), decode_errc::wrong_type,
       "args"},
      {"args duplicate name", k,
       f.with("args", mp().map(3).str("a").str("1").str("b").str("2").str("a").str("3")),
       decode_errc::bad_value, "args.a"},
      {"ttl negative", k, f.with("ttl", mp().sint(-1)), decode_errc::bad_value, "ttl"},
      {"ttl 2^32", k, f.with("ttl", mp().uint(1ull << 32)), decode_errc::bad_value, "ttl"},
      {"ttl float", k, f.with("ttl", mp().f64(1000.0)), decode_errc::wrong_type, "ttl"},
      {"ttl f32", k, f.with("ttl", mp().f32(1000.0f)), decode_errc::wrong_type, "ttl"},
      {"ttl string", k, f.with("ttl", mp().str("1000")), decode_errc::wrong_type, "ttl"},
      {"ttl nil", k, f.with("ttl", mp().nil()), decode_errc::wrong_type, "ttl"},
      {"ttl bool", k, f.with("ttl", mp().boolean(true)), decode_errc::wrong_type, "ttl"},
      {"esl twice", k, fields(f).add("esl", mp().str("AABBCCDDEEFF")), decode_errc::bad_value,
       "esl"},
  });
  // Many args: the duplicate check also works past its small-list path.
  mp many;
  many.map(41);
  for (int i = 0; i < 40; ++i)
    many.str("k" + std::to_string(i)).str("v");
  many.str("k17").str("again");
  check_cases(
      {{"duplicate among many args", k, f.with("args", many), decode_errc::bad_value, "args.k17"}});
}

TEST_CASE("response: missing keys, wrong types, bad values") {
  const auto f = response_fields();
  const std::string k = "response";
  check_cases({
      {"missing esl", k, f.without("esl"), decode_errc::missing_key, "esl"},
      {"missing ack", k, f.without("ack"), decode_errc::missing_key, "ack"},
      {"id int", k, f.with("id", mp().uint(7)), decode_errc::wrong_type, "id"},
      {"id 33 bytes", k, f.with("id", mp().bin(std::string(33, 'x'))), decode_errc::bad_value,
       "id"},
      {"esl int", k, f.with("esl", mp().uint(1)), decode_errc::wrong_type, "esl"},
      {"esl bad", k, f.with("esl", mp().str("nope")), decode_errc::bad_value, "esl"},
      {"ack int 1", k, f.with("ack", mp().uint(1)), decode_errc::wrong_type, "ack"},
      {"ack string", k, f.with("ack", mp().str("true")), decode_errc::wrong_type, "ack"},
      {"ack nil", k, f.with("ack", mp().nil()), decode_errc::wrong_type, "ack"},
      {"code negative", k, f.with("code", mp().sint(-2)), decode_errc::bad_value, "code"},
      {"code 2^32", k, f.with("code", mp().u64(1ull << 32)), decode_errc::bad_value, "code"},
      {"code float", k, f.with("code", mp().f64(2.0)), decode_errc::wrong_type, "code"},
      {"code string", k, f.with("code", mp().str("2")), decode_errc::wrong_type, "code"},
      {"rssi float", k, f.with("rssi", mp().f32(-60.5f)), decode_errc::wrong_type, "rssi"},
      {"rssi string", k, f.with("rssi", mp().str("-60")), decode_errc::wrong_type, "rssi"},
      {"rssi below int32", k, f.with("rssi", mp().sint(int64_t{INT32_MIN} - 1)),
       decode_errc::bad_value, "rssi"},
      {"rssi above int32", k, f.with("rssi", mp().uint(uint64_t{INT32_MAX} + 1)),
       decode_errc::bad_value, "rssi"},
      {"rssi u64 max", k, f.with("rssi", mp().u64(UINT64_MAX)), decode_errc::bad_value, "rssi"},
  });
}

TEST_CASE("status: missing keys, wrong types, bad values") {
  const auto f = status_fields();
  const std::string k = "status";
  check_cases({
      {"missing gw", k, f.without("gw"), decode_errc::missing_key, "gw"},
      {"missing adv", k, f.without("adv"), decode_errc::missing_key, "adv"},
      {"gw int", k, f.with("gw", mp().uint(1)), decode_errc::wrong_type, "gw"},
      {"gw bad", k, f.with("gw", mp().str("0123456789")), decode_errc::bad_value, "gw"},
      {"ts negative", k, f.with("ts", mp().sint(-1)), decode_errc::bad_value, "ts"},
      {"ts float", k, f.with("ts", mp().f64(1.7e12)), decode_errc::wrong_type, "ts"},
      {"ts string", k, f.with("ts", mp().str("now")), decode_errc::wrong_type, "ts"},
      {"adv map", k, f.with("adv", mp().map(0)), decode_errc::wrong_type, "adv"},
      {"adv string", k, f.with("adv", mp().str("")), decode_errc::wrong_type, "adv"},
      {"adv nil", k, f.with("adv", mp().nil()), decode_errc::wrong_type, "adv"},
  });
  auto d = decode_status(f.with("ts", mp().u64(UINT64_MAX)));
  REQUIRE(d);
  CHECK(d->ts_ms == UINT64_MAX);
}

TEST_CASE("status: invalid adverts are skipped and counted") {
  mp adv;
  adv.array(16);
  adv.array(2).str("AABBCCDDEEFF").sint(-50);                      // valid
  adv.array(1).str("AABBCCDDEEFF");                                // 1-array
  adv.array(3).str("AABBCCDDEEFF").sint(-50).uint(1);              // 3-array
  adv.str("AABBCCDDEEFF");                                         // not an array
  adv.array(2).uint(0xAABBCCDDEEFF).sint(-50);                     // MAC not a string
  adv.array(2).str("XYZ").sint(-50);                               // bad MAC
  adv.array(2).str("AABBCCDDEEFF").str("-50");                     // rssi a string
  adv.array(2).str("AABBCCDDEEFF").sint(-201);                     // below range
  adv.array(2).str("AABBCCDDEEFF").uint(101);                      // above range
  adv.array(2).str("AABBCCDDEEFF").f64(-50.0);                     // rssi a float
  adv.array(2).str("00000000000a").sint(-200);                     // valid, lower bound
  adv.array(2).str("000000000001").i64(100);                       // valid, upper bound
  adv.map(2).str("esl").str("AABBCCDDEEFF").str("rssi").sint(-50); // a map
  adv.nil();                                                       // nil
  adv.array(0);                                                    // empty
  adv.array(2).str("AABBCCDDEEFF").nil();                          // rssi nil
  auto d = decode_status(status_fields().with("adv", adv));
  INFO(describe(d));
  REQUIRE(d);
  REQUIRE(d->adv.size() == 3);
  CHECK(d->adv[0].esl == esl_a);
  CHECK(d->adv[0].rssi == -50);
  CHECK(d->adv[1].esl == esl_b);
  CHECK(d->adv[1].rssi == -200);
  CHECK(d->adv[2].esl == esl_mac::from_u64(1));
  CHECK(d->adv[2].rssi == 100);
  CHECK(d->skipped_adverts == 13);

  auto all_bad = decode_status(
      status_fields().with("adv", mp().array(2).nil().array(2).str("AABBCCDDEEFF").sint(500)));
  REQUIRE(all_bad);
  CHECK(all_bad->adv.empty());
  CHECK(all_bad->skipped_adverts == 2);
}

// -- limits ------------------------------------------------------------------------

TEST_CASE("limits: too large, over-deep, over-long arrays, maps, strings, binaries") {
  const std::string valid_action = action_fields();
  {
    decode_limits lim;
    lim.max_bytes = valid_action.size() - 1;
    check_cases({{"one byte over max_bytes", "action", valid_action, decode_errc::too_large, ""}},
                lim);
    lim.max_bytes = valid_action.size();
    CHECK(decode_action(valid_action, lim));
  }

  // Nesting: the top-level map counts as one level.
  auto nested = [](int levels) {
    mp m;
    for (int i = 0; i < levels; ++i)
      m.array(1);
    return m.uint(1);
  };
  check_cases({{"9 levels in an unknown key", "action", action_fields().with("x", nested(8)),
                decode_errc::limit_exceeded, "x[0][0][0][0][0][0][0]"}});
  CHECK(decode_action(action_fields().with("x", nested(7)))); // 8 levels: fine

  {
    decode_limits lim;
    lim.max_array = 3;
    lim.max_map = 6;
    lim.max_str = 16;
    lim.max_bin = 24;
    check_cases(
        {
            {"adv over max_array", "status",
             status_fields().with("adv", mp().array(4)
                                             .array(2)
                                             .str("AABBCCDDEEFF")
                                             .sint(-1)
                                             .array(2)
                                             .str("AABBCCDDEEFF")
                                             .sint(-1)
                                             .array(2)
                                             .str("AABBCCDDEEFF")
                                             .sint(-1)
                                             .array(2)
                                             .str("AABBCCDDEEFF")
                                             .sint(-1)),
             decode_errc::limit_exceeded, "adv"},
            {"array32 header claiming 2^32-1 elements", "status",
             status_fields().with("adv", mp().array32(0xFFFFFFFFu)), decode_errc::limit_exceeded,
             "adv"},
            {"top-level map over max_map", "action", action_fields().with("extra", mp().nil()),
             decode_errc::limit_exceeded, ""},
            {"args value over max_str", "action",
             action_fields().with("args", mp().map(1).str("price").str(std::string(17, '9'))),
             decode_errc::limit_exceeded, "args.price"},
            // The parser waits for a string's bytes before judging its size.
            {"string of 2^32-1 bytes claimed, absent", "action",
             action_fields().with("op", mp().byte(0xDB).be(0xFFFFFFFFu, 4)), decode_errc::truncated,
             ""},
            {"id over max_bin", "action",
             action_fields().with("id", mp().bin(std::string(25, 'x'))),
             decode_errc::limit_exceeded, "id"},
            {"ext over the bin limit", "action",
             action_fields().with("args", mp().map(1).str("p").ext(3, std::string(25, 'e'))),
             decode_errc::limit_exceeded, "args.p"},
            {"long key", "action",
             fields(action_fields()).erase("args").add(std::string(17, 'k'), mp().nil()),
             decode_errc::limit_exceeded, ""},
        },
        lim);
    // Exactly at the limits is fine.
    auto at = decode_action(
        action_fields().with("args", mp().map(1).str("price").str(std::string(16, '9'))), lim);
    INFO(describe(at));
    CHECK(at);
  }
  check_cases({{"id over the default max_bin", "action",
                action_fields().with("id", mp().bin(std::string(2000, 'x'))),
                decode_errc::limit_exceeded, "id"}});
}

// -- topics -----------------------------------------------------------------------

TEST_CASE("topics") {
  CHECK(action_topic("/gw", gw_mac::from_u64(0xAABBCCDDEEFF)) == "/gw/AABBCCDDEEFF/action");
  CHECK(response_topic("/gw", gw_a) == "/gw/0123456789AB/response");
  CHECK(status_topic("site/7/gw", gw_mac::from_u64(10)) == "site/7/gw/00000000000A/status");

  for (std::string_view kind : {"action", "response", "status"}) {
    std::string t = std::string("/gw/0123456789AB/") + std::string(kind);
    auto gw = gateway_of_topic("/gw", t, kind);
    REQUIRE(gw);
    CHECK(*gw == gw_a);
  }
  CHECK(gateway_of_topic("/gw", "/gw/0123456789ab/status", "status") == gw_a);
  CHECK(gateway_of_topic("site/7/gw", "site/7/gw/00000000000A/status", "status") ==
        gw_mac::from_u64(10));

  for (std::string_view bad : {
           "",
           "/gw",
           "/gw/",
           "/gw/0123456789AB",
           "/gw/0123456789AB/",
           "/gw/0123456789AB/statu",
           "/gw/0123456789AB/statusX",
           "/gw/0123456789AB/response",
           "/gw/0123456789A/status",
           "/gw/0123456789ABC/status",
           "/gw/0123456789AG/status",
           "/gw/+/status",
           "/gw/01:23:45:67/status",
           "/gw/0123456789AB/x/status",
           "/gx/0123456789AB/status",
           "/gwx/0123456789AB/status",
           "gw/0123456789AB/status",
           "/gw//0123456789AB/status",
           "/gw/0123456789AB//status",
           "$share/g//gw/0123456789AB/status",
       }) {
    INFO("topic '" << bad << "'");
    CHECK(!gateway_of_topic("/gw", bad, "status"));
  }
}
