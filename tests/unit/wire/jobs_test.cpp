#include <catch2/catch.hpp>

#include "tests/unit/wire/wire_test_support.hpp"

using namespace wire_test;

namespace {

job_submission sample_job() {
  job_submission j;
  j.job = "store-7:price-2024.05_01";
  j.commands.push_back({esl_a, op_kind::price, {{"price", "1.99"}}});
  j.commands.push_back({esl_b, op_kind::blink, {}});
  j.commands.push_back({esl_a, op_kind::ping, {}});
  return j;
}

job_result sample_result() {
  job_result r;
  r.job = "job-1";
  r.node = "node-a";
  uint32_t i = 0;
  for (auto st : all_outcome_statuses) {
    command_result c;
    c.esl = esl_mac::from_u64(0x100 + i);
    c.op = all_ops[i % 5];
    c.status = st;
    c.code = st == outcome_status::nacked ? nack_code::busy : 0;
    if (st != outcome_status::unroutable)
      c.gw = gw_mac::from_u64(0xABC + i);
    c.attempts = i;
    c.latency_us = 1000ull * i + (1ull << 40);
    c.reason =
        std::string(st == outcome_status::acked ? outcome_reason::none : outcome_reason::no_reply);
    if (st == outcome_status::acked || st == outcome_status::nacked)
      c.backbone_us = 700ull * (i + 1);
    r.outcomes.push_back(c);
    ++i;
  }
  r.outcomes.push_back(r.outcomes[0]); // two acked
  return r;
}

void check_error(const decode_error& e, decode_errc code, std::string_view key) {
  INFO(e.to_string());
  CHECK(e.code == code);
  CHECK(e.key == key);
}

template <class T>
void check_fails(const decoded<T>& d, decode_errc code, std::string_view key) {
  REQUIRE(!d);
  check_error(d.error(), code, key);
}

} // namespace

// -- job ids ---------------------------------------------------------------------

TEST_CASE("job ids: 1..128 characters of [A-Za-z0-9._:-]") {
  for (std::string_view ok : {"a", "Z", "0", "job-1", "store_7.price:2024-05-01", "...", "-",
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"})
    CHECK(check_job_id(ok).empty());
  CHECK(check_job_id(std::string(128, 'j')).empty());

  for (std::string bad :
       {std::string(), std::string(129, 'j'), std::string("a/b"), std::string("a b"),
        std::string("a+b"), std::string("a#"), std::string("$share"), std::string("caf\xc3\xa9"),
        std::string("a\0b", 3), std::string("job\n"), std::string("a,b")}) {
    INFO("id '" << bad << "'");
    auto why = check_job_id(bad);
    CHECK(!why.empty());
  }
  CHECK(check_job_id("a/b").find("'/'") == std::string::npos); // quoted with ", not '
  CHECK(check_job_id("a/b").find("\"/\"") != std::string::npos);
  CHECK(check_job_id("a/b").find("position 1") != std::string::npos);
}

// -- submission --------------------------------------------------------------------

TEST_CASE("job submission round-trips") {
  auto j = sample_job();
  std::string out = "junk";
  encode(j, out);
  auto d = decode_job(out);
  INFO(describe(d));
  REQUIRE(d);
  CHECK(same(*d, j));

  // Commands without args carry no `args` key.
  std::string want = mp().map(3)
                         .str("v")
                         .uint(1)
                         .str("job")
                         .str("j")
                         .str("commands")
                         .array(1)
                         .map(2)
                         .str("esl")
                         .str("00000000000A")
                         .str("op")
                         .str("image");
  job_submission small{"j", {{esl_b, op_kind::image, {}}}};
  encode(small, out);
  CHECK(hex(out) == hex(want));

  job_submission empty{"empty-job", {}};
  encode(empty, out);
  d = decode_job(out);
  REQUIRE(d);
  CHECK(d->job == "empty-job");
  CHECK(d->commands.empty());
}

TEST_CASE("the job fixture decodes, MACs normalised") {
  auto d = decode_job(job_fields());
  INFO(describe(d));
  REQUIRE(d);
  CHECK(same(*d, sample_job()));
}

TEST_CASE("job submission errors name the offending key") {
  const auto f = job_fields();
  auto cmds = [](std::string third) {
    return std::string(mp().array(3)
                           .map(2)
                           .str("esl")
                           .str("AABBCCDDEEFF")
                           .str("op")
                           .str("ping")
                           .map(2)
                           .str("esl")
                           .str("00000000000A")
                           .str("op")
                           .str("ping")) +
           third;
  };
  struct row {
    std::string name;
    std::string bytes;
    decode_errc code;
    std::string key;
  };
  std::vector<row> rows = {
      {"missing job", f.without("job"), decode_errc::missing_key, "job"},
      {"missing commands", f.without("commands"), decode_errc::missing_key, "commands"},
      {"job int", f.with("job", mp().uint(1)), decode_errc::wrong_type, "job"},
      {"job bin", f.with("job", mp().bin("job-1")), decode_errc::wrong_type, "job"},
      {"job empty", f.with("job", mp().str("")), decode_errc::bad_value, "job"},
      {"job with slash", f.with("job", mp().str("a/b")), decode_errc::bad_value, "job"},
      {"job with wildcard", f.with("job", mp().str("#")), decode_errc::bad_value, "job"},
      {"job too long", f.with("job", mp().str(std::string(129, 'j'))), decode_errc::bad_value,
       "job"},
      {"commands map", f.with("commands", mp().map(0)), decode_errc::wrong_type, "commands"},
      {"commands nil", f.with("commands", mp().nil()), decode_errc::wrong_type, "commands"},
      {"command not a map", f.with("commands", cmds(mp().uint(1))), decode_errc::not_a_map,
       "commands[2]"},
      {"command an array", f.with("commands", cmds(mp().array(2).str("AABBCCDDEEFF").str("ping"))),
       decode_errc::not_a_map, "commands[2]"},
      {"command without esl", f.with("commands", cmds(mp().map(1).str("op").str("ping"))),
       decode_errc::missing_key, "commands[2].esl"},
      {"command without op", f.with("commands", cmds(mp().map(1).str("esl").str("AABBCCDDEEFF"))),
       decode_errc::missing_key, "commands[2].op"},
      {"command bad esl",
       f.with("commands", cmds(mp().map(2).str("esl").str("AABBCCDDEEF").str("op").str("ping"))),
       decode_errc::bad_value, "commands[2].esl"},
      {"command esl int",
       f.with("commands", cmds(mp().map(2).str("esl").uint(5).str("op").str("ping"))),
       decode_errc::wrong_type, "commands[2].esl"},
      {"command unknown op",
       f.with("commands",
              cmds(mp().map(2).str("esl").str("AABBCCDDEEFF").str("op").str("self-destruct"))),
       decode_errc::bad_value, "commands[2].op"},
      {"command args array",
       f.with("commands", cmds(mp().map(3)
                                   .str("esl")
                                   .str("AABBCCDDEEFF")
                                   .str("op")
                                   .str("ping")
                                   .str("args")
                                   .array(0))),
       decode_errc::wrong_type, "commands[2].args"},
      {"command args value int",
       f.with("commands", cmds(mp().map(3)
                                   .str("esl")
                                   .str("AABBCCDDEEFF")
                                   .str("op")
                                   .str("page")
                                   .str("args")
                                   .map(1)
                                   .str("page")
                                   .uint(2))),
       decode_errc::wrong_type, "commands[2].args.page"},
      {"command esl twice",
       f.with("commands", cmds(mp().map(3)
                                   .str("esl")
                                   .str("AABBCCDDEEFF")
                                   .str("op")
                                   .str("ping")
                                   .str("esl")
                                   .str("AABBCCDDEEFF"))),
       decode_errc::bad_value, "commands[2].esl"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    check_fails(decode_job(r.bytes), r.code, r.key);
  }

  // The 18th command is bad: its index is in the key.
  mp many;
  many.array(20);
  for (int i = 0; i < 20; ++i)
    many.map(2).str("esl").str(i == 17 ? "nope" : "AABBCCDDEEFF").str("op").str("ping");
  check_fails(decode_job(f.with("commands", many)), decode_errc::bad_value, "commands[17].esl");

  // Unknown keys inside commands are ignored.
  auto d = decode_job(f.with("commands", mp().array(1)
                                             .map(4)
                                             .str("priority")
                                             .uint(9)
                                             .str("esl")
                                             .str("AABBCCDDEEFF")
                                             .uint(3)
                                             .str("op")
                                             .str("op")
                                             .str("page")));
  INFO(describe(d));
  REQUIRE(d);
  REQUIRE(d->commands.size() == 1);
  CHECK(d->commands[0].op == op_kind::page);
}

TEST_CASE("rollout keys: priority, rate, abort_threshold, abort_min_outcomes") {
  const auto f = job_fields();
  SECTION("absent: normal, unlimited, never aborted") {
    auto d = decode_job(f);
    REQUIRE(d);
    CHECK(d->prio == priority::normal);
    CHECK(!d->rate_per_s);
    CHECK(!d->abort_threshold);
    CHECK(d->abort_min_outcomes == default_abort_min_outcomes);
  }
  SECTION("present, integers or floats; nil means absent") {
    auto d = decode_job(f.with("priority", mp().str("high"))
                            .with("rate", mp().uint(50))
                            .with("abort_threshold", mp().f32(0.25f))
                            .with("abort_min_outcomes", mp().uint(3)));
    INFO(describe(d));
    REQUIRE(d);
    CHECK(d->prio == priority::high);
    CHECK(d->rate_per_s == 50.0);
    CHECK(d->abort_threshold == 0.25);
    CHECK(d->abort_min_outcomes == 3u);
    d = decode_job(f.with("priority", mp().str("bulk"))
                       .with("rate", mp().f64(0.5))
                       .with("abort_threshold", mp().uint(1)));
    REQUIRE(d);
    CHECK(d->prio == priority::bulk);
    CHECK(d->rate_per_s == 0.5);
    CHECK(d->abort_threshold == 1.0);
    d = decode_job(f.with("priority", mp().nil()).with("rate", mp().nil()));
    REQUIRE(d);
    CHECK(d->prio == priority::normal);
    CHECK(!d->rate_per_s);
  }
  SECTION("round trip; defaults are not written") {
    auto j = sample_job();
    std::string plain;
    encode(j, plain);
    CHECK(plain.find("priority") == std::string::npos);
    CHECK(plain.find("rate") == std::string::npos);
    CHECK(plain.find("abort") == std::string::npos);
    j.prio = priority::bulk;
    j.rate_per_s = 12.5;
    j.abort_threshold = 0.1;
    j.abort_min_outcomes = 100;
    std::string out;
    encode(j, out);
    auto d = decode_job(out);
    INFO(describe(d));
    REQUIRE(d);
    CHECK(same(*d, j));
    std::string again;
    encode(*d, again);
    CHECK(hex(again) == hex(out));
  }
  SECTION("bad values are refused with the key named") {
    struct row {
      std::string name;
      std::string bytes;
      decode_errc code;
      std::string key;
    };
    std::vector<row> rows = {
        {"priority unknown", f.with("priority", mp().str("urgent")), decode_errc::bad_value,
         "priority"},
        {"priority upper case", f.with("priority", mp().str("HIGH")), decode_errc::bad_value,
         "priority"},
        {"priority int", f.with("priority", mp().uint(0)), decode_errc::wrong_type, "priority"},
        {"rate zero", f.with("rate", mp().uint(0)), decode_errc::bad_value, "rate"},
        {"rate negative", f.with("rate", mp().sint(-5)), decode_errc::bad_value, "rate"},
        {"rate too small", f.with("rate", mp().f64(0.0001)), decode_errc::bad_value, "rate"},
        {"rate too large", f.with("rate", mp().f64(2e6)), decode_errc::bad_value, "rate"},
        {"rate NaN", f.with("rate", mp().f64(std::nan(""))), decode_errc::bad_value, "rate"},
        {"rate infinite", f.with("rate", mp().f64(HUGE_VAL)), decode_errc::bad_value, "rate"},
        {"rate string", f.with("rate", mp().str("10")), decode_errc::wrong_type, "rate"},
        {"threshold zero", f.with("abort_threshold", mp().f64(0)), decode_errc::bad_value,
         "abort_threshold"},
        {"threshold above one", f.with("abort_threshold", mp().f64(1.01)), decode_errc::bad_value,
         "abort_threshold"},
        {"threshold percent", f.with("abort_threshold", mp().uint(10)), decode_errc::bad_value,
         "abort_threshold"},
        {"threshold bool", f.with("abort_threshold", mp().boolean(true)), decode_errc::wrong_type,
         "abort_threshold"},
        {"min outcomes zero", f.with("abort_min_outcomes", mp().uint(0)), decode_errc::bad_value,
         "abort_min_outcomes"},
        {"min outcomes float", f.with("abort_min_outcomes", mp().f64(2.5)), decode_errc::wrong_type,
         "abort_min_outcomes"},
        {"min outcomes huge", f.with("abort_min_outcomes", mp().uint(5'000'000)),
         decode_errc::bad_value, "abort_min_outcomes"},
        {"priority twice", f.with("priority", mp().str("high")).add("priority", mp().str("bulk")),
         decode_errc::bad_value, "priority"},
    };
    for (const auto& r : rows) {
      INFO(r.name);
      check_fails(decode_job(r.bytes), r.code, r.key);
    }
    auto e = decode_job(f.with("rate", mp().uint(0)));
    REQUIRE(!e);
    CHECK(e.error().to_string().find("commands per second") != std::string::npos);
  }
}

TEST_CASE("too many commands is limit_exceeded at 'commands'") {
  // The intake turns exactly this into a "too_many_commands" result.
  decode_limits lim;
  lim.max_array = 2;
  check_fails(decode_job(job_fields(), lim), decode_errc::limit_exceeded, "commands");
  lim.max_array = 3;
  CHECK(decode_job(job_fields(), lim));

  // A header claiming 300 000 commands in a short payload: refused up front.
  decode_limits def;
  check_fails(decode_job(job_fields().with("commands", mp().array32(300000)), def),
              decode_errc::limit_exceeded, "commands");
}

// -- salvage -------------------------------------------------------------------------

TEST_CASE("salvage_job_id finds the job of a broken submission") {
  const auto f = job_fields();
  const std::string job = "store-7:price-2024.05_01";
  CHECK(salvage_job_id(f) == job);
  CHECK(salvage_job_id(f.with("v", mp().uint(2))) == job);
  CHECK(salvage_job_id(f.with("commands", mp().str("oops"))) == job);
  CHECK(salvage_job_id(f.with("commands", mp().array32(300000))) == job);
  CHECK(salvage_job_id(f.without("v").encode() + "trailing") == job);

  // job before the damage
  std::string enc = f.encode();
  auto at = enc.find("commands");
  REQUIRE(at != std::string::npos);
  CHECK(salvage_job_id(enc.substr(0, at)) == job);              // truncated
  CHECK(salvage_job_id(enc.substr(0, at) + "\xc1\xc1") == job); // garbage
  fields deep = f.without("job");
  deep.add("job", mp().str("deep-job"), true);
  deep.add("x", mp().array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .array(1)
                    .uint(1));
  CHECK(salvage_job_id(deep) == "deep-job");

  // nothing usable
  CHECK(!salvage_job_id(""));
  CHECK(!salvage_job_id("\xc1"));
  CHECK(!salvage_job_id(f.without("job")));
  CHECK(!salvage_job_id(f.with("job", mp().str("a/b"))));
  CHECK(!salvage_job_id(f.with("job", mp().str(""))));
  CHECK(!salvage_job_id(f.with("job", mp().uint(7))));
  CHECK(!salvage_job_id(f.with("job", mp().bin("job-1"))));
  CHECK(!salvage_job_id(f.with("job", mp().map(1).str("job").str("inner"))));
  CHECK(!salvage_job_id(f.with("job", mp().array(1).str("inner"))));
  CHECK(!salvage_job_id(mp().array(2).str("job").str("job-1")));
  CHECK(!salvage_job_id(mp().str("job")));
  CHECK(!salvage_job_id(mp().map(1).str("x").map(1).str("job").str("nested-job")));
  CHECK(!salvage_job_id(mp().map(1).bin("job").str("job-1")));
  CHECK(!salvage_job_id(mp().map(1).str("job")));                      // truncated before the value
  CHECK(!salvage_job_id(mp().map(1).str("job").byte(0xA5).raw("ab"))); // value cut

  // A value equal to "job" is not a key.
  CHECK(salvage_job_id(mp().map(2).str("x").str("job").str("job").str("j2")) == "j2");
  // A nested map whose key is "job" does not count; the top-level one does.
  CHECK(salvage_job_id(mp().map(2).map(1).str("job").str("no").uint(1).str("job").str("yes")) ==
        "yes");
}

// -- result ------------------------------------------------------------------------

TEST_CASE("job result round-trips") {
  auto r = sample_result();
  auto c = r.counts();
  CHECK(c[static_cast<size_t>(outcome_status::acked)] == 2);
  for (auto st : all_outcome_statuses)
    if (st != outcome_status::acked)
      CHECK(c[static_cast<size_t>(st)] == 1);

  std::string out = "junk";
  encode(r, out);
  auto d = decode_job_result(out);
  INFO(describe(d));
  REQUIRE(d);
  CHECK(same(*d, r));
  CHECK(!d->outcomes[3].gw); // unroutable: gw nil
  CHECK(d->outcomes[0].gw == gw_mac::from_u64(0xABC));
  CHECK(d->outcomes[0].backbone_us == 700u); // optional key: present when known
  CHECK(!d->outcomes[3].backbone_us);
  CHECK(d->outcomes[6].status == outcome_status::aborted);
  CHECK(d->counts()[static_cast<size_t>(outcome_status::aborted)] == 1);

  SECTION("rejected, with its error") {
    job_result rej;
    rej.job = "bad-job";
    rej.node = "node-b";
    rej.rejected = true;
    rej.error = "malformed: bad_value at 'commands[3].esl': expected 12 hex digits";
    encode(rej, out);
    auto e = decode_job_result(out);
    INFO(describe(e));
    REQUIRE(e);
    CHECK(same(*e, rej));
    CHECK(e->rejected);
  }
  SECTION("done carries no error key; rejected does") {
    job_result done;
    done.job = "j";
    done.node = "n";
    done.error = "ignored when done";
    encode(done, out);
    CHECK(out.find("error") == std::string::npos);
    done.rejected = true;
    encode(done, out);
    CHECK(out.find("error") != std::string::npos);
  }
  SECTION("the fixture decodes (its counts have no `aborted`: results from before it)") {
    auto e = decode_job_result(result_fields());
    INFO(describe(e));
    REQUIRE(e);
    REQUIRE(e->outcomes.size() == 3);
    CHECK(e->outcomes[1].status == outcome_status::nacked);
    CHECK(e->outcomes[1].code == 3u);
    CHECK(e->outcomes[1].reason == "gateway_nack");
    CHECK(e->outcomes[1].latency_us == 250000u);
    CHECK(!e->outcomes[2].gw);
  }
}

TEST_CASE("job result errors") {
  const auto f = result_fields();
  auto one = [](std::string outcome) { return std::string(mp().array(1).raw(outcome)); };
  struct row {
    std::string name;
    std::string bytes;
    decode_errc code;
    std::string key;
  };
  const auto one_acked = counts_map(1, 0, 0, 0, 0, 0);
  std::vector<row> rows = {
      {"missing job", f.without("job"), decode_errc::missing_key, "job"},
      {"bad job", f.with("job", mp().str("a b")), decode_errc::bad_value, "job"},
      {"missing node", f.without("node"), decode_errc::missing_key, "node"},
      {"node int", f.with("node", mp().uint(1)), decode_errc::wrong_type, "node"},
      {"missing status", f.without("status"), decode_errc::missing_key, "status"},
      {"status unknown", f.with("status", mp().str("maybe")), decode_errc::bad_value, "status"},
      {"status bool", f.with("status", mp().boolean(true)), decode_errc::wrong_type, "status"},
      {"rejected without error", f.with("status", mp().str("rejected")), decode_errc::missing_key,
       "error"},
      {"error int", f.with("status", mp().str("rejected")).with("error", mp().uint(1)),
       decode_errc::wrong_type, "error"},
      {"done with error int", f.with("error", mp().uint(1)), decode_errc::wrong_type, "error"},
      {"missing counts", f.without("counts"), decode_errc::missing_key, "counts"},
      {"counts array", f.with("counts", mp().array(0)), decode_errc::wrong_type, "counts"},
      {"counts key missing",
       f.with("counts", mp().map(5)
                            .str("acked")
                            .uint(1)
                            .str("timed_out")
                            .uint(0)
                            .str("unroutable")
                            .uint(1)
                            .str("failed")
                            .uint(0)
                            .str("superseded")
                            .uint(0)),
       decode_errc::missing_key, "counts.nacked"},
      {"count negative",
       f.with("counts", mp().map(6)
                            .str("acked")
                            .sint(-1)
                            .str("nacked")
                            .uint(1)
                            .str("timed_out")
                            .uint(0)
                            .str("unroutable")
                            .uint(1)
                            .str("failed")
                            .uint(0)
                            .str("superseded")
                            .uint(0)),
       decode_errc::bad_value, "counts.acked"},
      {"counts disagree", f.with("counts", counts_map(1, 1, 0, 0, 1, 0)), decode_errc::bad_value,
       "counts.unroutable"},
      {"missing outcomes", f.without("outcomes"), decode_errc::missing_key, "outcomes"},
      {"outcomes map", f.with("outcomes", mp().map(0)), decode_errc::wrong_type, "outcomes"},
      {"outcome not a map", f.with("counts", one_acked).with("outcomes", one(mp().uint(1))),
       decode_errc::not_a_map, "outcomes[0]"},
      {"outcome status unknown",
       f.with("counts", one_acked)
           .with("outcomes",
                 one(outcome_map("AABBCCDDEEFF", "price", "lost", 0, "0123456789AB", 1, 10, ""))),
       decode_errc::bad_value, "outcomes[0].status"},
      {"outcome op unknown",
       f.with("counts", one_acked)
           .with("outcomes",
                 one(outcome_map("AABBCCDDEEFF", "dance", "acked", 0, "0123456789AB", 1, 10, ""))),
       decode_errc::bad_value, "outcomes[0].op"},
      {"outcome gw bad",
       f.with("counts", one_acked)
           .with("outcomes",
                 one(outcome_map("AABBCCDDEEFF", "price", "acked", 0, "xyz", 1, 10, ""))),
       decode_errc::bad_value, "outcomes[0].gw"},
      {"outcome esl bad",
       f.with("counts", one_acked)
           .with("outcomes",
                 one(outcome_map("AABBCCDDEEF", "price", "acked", 0, "0123456789AB", 1, 10, ""))),
       decode_errc::bad_value, "outcomes[0].esl"},
  };
  // Each outcome key: missing, and of the wrong type.
  for (std::string_view key : {"esl", "op", "status", "code", "attempts", "latency_us", "reason"}) {
    // Rebuild the outcome map without `key`, then with `key` as a float.
    for (int variant = 0; variant < 2; ++variant) {
      mp m;
      m.map(variant == 0 ? 7 : 8);
      auto put = [&](std::string_view k, std::string v) {
        if (k == key) {
          if (variant == 1)
            m.str(k).f64(0.5);
        } else {
          m.str(k).raw(v);
        }
      };
      put("esl", mp().str("AABBCCDDEEFF"));
      put("op", mp().str("price"));
      put("status", mp().str("acked"));
      put("code", mp().uint(0));
      put("attempts", mp().uint(1));
      put("latency_us", mp().uint(10));
      put("reason", mp().str(""));
      m.str("gw").nil();
      rows.push_back({std::string(variant == 0 ? "missing " : "float ") + std::string(key),
                      f.with("counts", one_acked).with("outcomes", one(m)),
                      variant == 0 ? decode_errc::missing_key : decode_errc::wrong_type,
                      "outcomes[0]." + std::string(key)});
    }
  }
  rows.push_back({"outcome gw int",
                  f.with("counts", one_acked)
                      .with("outcomes", one(std::string(mp().map(8)
                                                            .str("esl")
                                                            .str("AABBCCDDEEFF")
                                                            .str("op")
                                                            .str("price")
                                                            .str("status")
                                                            .str("acked")
                                                            .str("code")
                                                            .uint(0)
                                                            .str("gw")
                                                            .uint(5)
                                                            .str("attempts")
                                                            .uint(1)
                                                            .str("latency_us")
                                                            .uint(1)
                                                            .str("reason")
                                                            .str("")))),
                  decode_errc::wrong_type, "outcomes[0].gw"});
  for (const auto& r : rows) {
    INFO(r.name);
    check_fails(decode_job_result(r.bytes), r.code, r.key);
  }
  // A missing gw means none.
  mp no_gw;
  no_gw.map(7)
      .str("esl")
      .str("AABBCCDDEEFF")
      .str("op")
      .str("price")
      .str("status")
      .str("acked")
      .str("code")
      .uint(0)
      .str("attempts")
      .uint(1)
      .str("latency_us")
      .uint(1)
      .str("reason")
      .str("");
  auto d = decode_job_result(f.with("counts", one_acked).with("outcomes", one(no_gw)));
  INFO(describe(d));
  REQUIRE(d);
  CHECK(!d->outcomes[0].gw);
}

// -- rejection -------------------------------------------------------------------------

TEST_CASE("job rejection round-trips and is strict") {
  job_rejection r{"node-a", "too_large", "5000000 bytes, intake.max-payload-bytes = 4194304"};
  std::string out = "junk";
  encode(r, out);
  CHECK(hex(out) == hex(mp().map(4)
                            .str("v")
                            .uint(1)
                            .str("node")
                            .str("node-a")
                            .str("error")
                            .str("too_large")
                            .str("detail")
                            .str(r.detail)));
  auto d = decode_job_rejection(out);
  REQUIRE(d);
  CHECK(same(*d, r));

  const auto f = rejection_fields();
  for (std::string_view key : {"node", "error", "detail"}) {
    INFO(key);
    check_fails(decode_job_rejection(f.without(key)), decode_errc::missing_key, key);
    check_fails(decode_job_rejection(f.with(key, mp().uint(1))), decode_errc::wrong_type, key);
  }
}

// -- receipts, progress, dead letters ---------------------------------------------

TEST_CASE("job notices round-trip and refuse bad values with the key named") {
  std::string out;
  job_receipt rc{"store-17:price", "node-a", "node-b", 10'000};
  encode(rc, out);
  auto rc2 = decode_job_receipt(out);
  REQUIRE(rc2);
  CHECK(same(*rc2, rc));
  rc.standby.clear(); // a cluster of one
  encode(rc, out);
  REQUIRE(decode_job_receipt(out));
  CHECK(decode_job_receipt(out)->standby.empty());

  job_progress pg{"store-17:price", "node-a", 1'500, 10'000};
  encode(pg, out);
  auto pg2 = decode_job_progress(out);
  REQUIRE(pg2);
  CHECK(same(*pg2, pg));
  pg.done = 10'001;
  encode(pg, out);
  auto bad = decode_job_progress(out);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().key == "done");

  dead_letter d{"store-17:price",
                17,
                esl_mac::from_u64(0xAABBCCDDEEFF),
                op_kind::price,
                outcome_status::timed_out,
                0,
                std::nullopt,
                3,
                "attempts_exhausted"};
  encode(d, out);
  auto d2 = decode_dead_letter(out);
  REQUIRE(d2);
  CHECK(same(*d2, d));
  d.gw = gw_mac::from_u64(0x010203040506);
  d.status = outcome_status::nacked;
  d.code = 4;
  encode(d, out);
  REQUIRE(decode_dead_letter(out));
  CHECK(same(*decode_dead_letter(out), d));

  // A receipt's job id obeys the id rules; a dead letter's status is a known word.
  auto bad_id = decode_job_receipt(mp().map(5)
                                       .str("v")
                                       .uint(1)
                                       .str("job")
                                       .str("a/b")
                                       .str("node")
                                       .str("n")
                                       .str("standby")
                                       .str("")
                                       .str("commands")
                                       .uint(1)
                                       .bytes());
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.error().key == "job");
}
