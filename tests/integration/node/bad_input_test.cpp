// Bad input gets a clear error and loses nothing.

#include "tests/integration/node/node_fixture.hpp"

#include <random>

#include "runtime/wire/token.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

} // namespace

TEST_CASE("garbage on response and status topics is counted and changes nothing else",
          "[node][bad-input]") {
  node_fixture f{4, 200, 1};
  std::mt19937_64 rng{42};
  auto gw = f.store.gateways[0].to_string();
  std::vector<std::string> garbage{
      "",
      "not msgpack at all",
      std::string("\x93\x01\x02\x03", 4), // an array, not a map
      std::string("\x81\xa1v\x02", 4),    // v = 2
      std::string("\x83\xa1v\x01\xa3"
                  "esl\x01\xa3"
                  "ack\xc3",
                  13), // esl of the wrong type
      std::string("\x82\xa1v\x01\xa3"
                  "esl",
                  8),                    // truncated
      std::string(3 * 1024 * 1024, 'x'), // huge
  };
  for (int i = 0; i < 20; ++i)
    garbage.push_back(random_bytes(rng, 1 + rng() % 200));
  size_t sent = 0;
  for (auto& g : garbage) {
    REQUIRE(f.emu->publish_raw("/gw/" + gw + "/response", g, 1));
    REQUIRE(f.emu->publish_raw("/gw/" + gw + "/status", g, 1));
    ++sent;
  }
  // Topics that are not {prefix}/{12 hex digits}/kind.
  REQUIRE(f.emu->publish_raw("/gw/NOTAMAC/response", "x", 1));
  REQUIRE(f.emu->publish_raw("/gw/NOTAMAC/status", "x", 1));
  // Well-formed responses that belong to no command: a forged token, a
  // legacy reply for an idle ESL.
  wire::response forged;
  forged.id = std::string(22, '\x7f'); // not our token format at all
  forged.esl = f.all_esls()[0];
  forged.ack = true;
  REQUIRE(f.emu->publish_response(f.store.gateways[0], forged));
  wire::response foreign = forged; // our layout, another node incarnation
  foreign.id = std::string(1, '\x02') + std::string(25, '\x02');
  REQUIRE(f.emu->publish_response(f.store.gateways[0], foreign));
  // This node's incarnation and a live-looking command, MAC under a guessed
  // key: a forgery. Counted, never delivered.
  wire::response mac_forged = forged;
  mac_forged.id = wire::encode_token({f.n->incarnation(), 1, 1}, wire::token_key{1, 2});
  REQUIRE(f.emu->publish_response(f.store.gateways[0], mac_forged));
  wire::response idle;
  idle.esl = f.all_esls()[1];
  idle.ack = true;
  REQUIRE(f.emu->publish_response(f.store.gateways[0], idle));

  REQUIRE(wait_until([&] { return f.counter("replies.malformed") >= sent + 1; }, 10s));
  REQUIRE(wait_until([&] { return f.counter("status.malformed") >= sent + 1; }, 10s));
  REQUIRE(wait_until([&] { return f.counter("replies.bad_token") == 2; }, 10s));
  REQUIRE(wait_until([&] { return f.counter("replies.foreign") == 1; }, 10s));
  REQUIRE(wait_until([&] { return f.counter("replies.unknown") == 1; }, 10s));
  CHECK(f.counter("replies.delivered") == 0); // the forged token reached no command

  // The node still works and the routing table was not disturbed.
  auto r = f.run(sim::make_job("after-garbage", f.all_esls(), 200));
  CHECK(count_status(r, outcome_status::acked) == 200);
  for (auto& o : r.outcomes)
    CHECK(*o.gw == f.home_of(o.esl));
  CHECK(f.counter("replies.malformed") == sent + 1);
}

TEST_CASE("bad jobs get a result with a clear error", "[node][bad-input]") {
  node_fixture f{2, 10, 1, [](node_options& o) { o.intake.max_commands_per_job = 50; }};
  SECTION("not msgpack: no job id, so the rejection goes to {prefix}/rejected") {
    REQUIRE(f.producer->submit_raw("garbage"));
    auto rej = f.producer->wait_rejection(10s);
    REQUIRE(rej);
    CHECK(rej->error == "malformed");
    CHECK(rej->node == "test-node");
    CHECK_FALSE(rej->detail.empty());
  }
  SECTION("a bad ESL MAC is named in the job's result") {
    wire::job_submission j = sim::make_job("bad-mac", f.all_esls(), 3);
    std::string payload;
    wire::encode(j, payload);
    // Corrupt the second command's MAC: replace its hex with non-hex.
    auto mac = j.commands[1].esl.to_string();
    auto pos = payload.find(mac);
    REQUIRE(pos != std::string::npos);
    payload.replace(pos, 12, "ZZZZZZZZZZZZ");
    REQUIRE(f.producer->submit_raw(payload));
    auto r = f.producer->wait_result("bad-mac", 10s);
    REQUIRE(r);
    CHECK(r->rejected);
    CHECK(r->error.find("commands[") != std::string::npos);
    CHECK(r->error.find("esl") != std::string::npos);
    CHECK(r->outcomes.empty());
  }
  SECTION("too many commands") {
    REQUIRE(f.producer->submit(sim::make_job("too-big", f.all_esls(), 51)));
    auto r = f.producer->wait_result("too-big", 10s);
    REQUIRE(r);
    CHECK(r->rejected);
    CHECK(r->error.find("too_many_commands") != std::string::npos);
  }
  SECTION("an empty job completes at once") {
    wire::job_submission j;
    j.job = "empty";
    REQUIRE(f.producer->submit(j));
    auto r = f.producer->wait_result("empty", 10s);
    REQUIRE(r);
    CHECK_FALSE(r->rejected);
    CHECK(r->outcomes.empty());
  }
  CHECK(f.counter("outcomes.acked") + f.counter("outcomes.failed") == 0);
}

TEST_CASE("a flood of malformed submissions gets rate-limited rejections, counted and summarised",
          "[node][bad-input]") {
  node_fixture f{2, 10, 1, [](node_options& o) { o.intake.rejections_per_s = 20; }};
  constexpr int flood = 2'000;
  for (int i = 0; i < flood; ++i)
    REQUIRE(f.producer->submit_raw("garbage " + std::to_string(i)));
  REQUIRE(wait_until([&] { return f.counter("jobs.rejected") == flood; }, 30s));
  // Every rejection is either published or counted as suppressed, and the
  // suppressed ones are summarised once their second is over.
  auto suppressed = f.counter("jobs.rejections_suppressed");
  CHECK(suppressed > 0);
  uint64_t published = 0;
  uint64_t summarised = 0;
  while (summarised < suppressed) {
    auto r = f.producer->wait_rejection(10s);
    REQUIRE(r);
    if (r->error == "rate_limited") {
      summarised += std::stoull(r->detail); // "N rejections not published ..."
      CHECK(r->detail.find("intake.rejections-per-s = 20") != std::string::npos);
    } else {
      CHECK(r->error == "malformed");
      ++published;
    }
  }
  CHECK(summarised == suppressed);
  CHECK(published + suppressed == static_cast<uint64_t>(flood));
  std::printf("[bad-input] %d malformed submissions: %llu rejections published, %llu suppressed "
              "and summarised\n",
              flood, static_cast<unsigned long long>(published),
              static_cast<unsigned long long>(suppressed));
  // At most 20 a second: the flood lasted a few seconds at most.
  CHECK(published <= 20u * 10u);
  // The node still takes good jobs (its rejections are not starved by the
  // flood's: a new second has begun).
  auto r = f.run(sim::make_job("after-flood", f.all_esls(), 10));
  CHECK(count_status(r, outcome_status::acked) == 10);
}
