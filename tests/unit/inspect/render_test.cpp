// shelfwire-inspect's rendering (tables and JSON) and the token comparison.

#include <catch2/catch.hpp>

#include "actors/inspect/cli/render.hpp"
#include "runtime/core/constant_time.hpp"

using namespace shelfwire;
using namespace shelfwire::cli;

TEST_CASE("inspect: a text table pads columns to the widest cell") {
  text_table t{{"A", "BBB"}};
  t.add({"long cell", "x"});
  t.add({"y", ""});
  CHECK(t.str() == "A          BBB\nlong cell  x\ny\n");
}

TEST_CASE("inspect: durations for people") {
  CHECK(human_duration_ms(-1) == "-");
  CHECK(human_duration_ms(0) == "0ms");
  CHECK(human_duration_ms(999) == "999ms");
  CHECK(human_duration_ms(1'500) == "1.5s");
  CHECK(human_duration_ms(61'000) == "1m01s");
  CHECK(human_duration_ms(3'725'000) == "1h02m");
}

TEST_CASE("inspect: commands as a table and as JSON") {
  command_list l;
  l.matching = 3;
  command_row r;
  r.id = 42;
  r.esl = esl_mac::from_u64(0x0A0000000001);
  r.op = "price";
  r.state = "awaiting_reply";
  r.age_ms = 2'500;
  r.attempts = 1;
  r.has_gw = true;
  r.gw = gw_mac::from_u64(0x0B0000000002);
  l.rows.push_back(r);
  auto text = render_commands(l, output_format::table);
  CHECK(text.find("0A0000000001  price  normal    awaiting_reply  2.5s  1         0B0000000002  "
                  "42") != std::string::npos);
  CHECK(text.find("1 of 3 matching commands, oldest first") != std::string::npos);
  auto json = render_commands(l, output_format::json);
  CHECK(json == "{\"matching\":3,\"commands\":[{\"id\":\"42\",\"esl\":\"0A0000000001\",\"op\":"
                "\"price\",\"priority\":\"normal\",\"state\":\"awaiting_reply\",\"age_ms\":2500,"
                "\"attempts\":1,"
                "\"gateway\":\"0B0000000002\",\"shard\":0}]}\n");
  r.has_gw = false;
  l.rows = {r};
  CHECK(render_commands(l, output_format::json).find("\"gateway\":null") != std::string::npos);
}

TEST_CASE("inspect: a route, an unroutable ESL and an unreadable table") {
  route_report r;
  r.esl = esl_mac::from_u64(1);
  r.ok = true;
  r.stale_after_ms = 60'000;
  r.candidates.push_back({gw_mac::from_u64(2), -48, 1'200});
  r.candidates.push_back({gw_mac::from_u64(3), -71, 900});
  auto text = render_route(r, output_format::table);
  CHECK(text.find("best  000000000002  -48") != std::string::npos);
  CHECK(text.find("2     000000000003  -71") != std::string::npos);
  r.candidates.clear();
  CHECK(render_route(r, output_format::table).find("unroutable") != std::string::npos);
  r.ok = false;
  CHECK(render_route(r, output_format::table).find("could not be read") != std::string::npos);
}

TEST_CASE("inspect: scale results say what happened on each node") {
  scale_result ok;
  ok.pool = "routers";
  ok.before = 4;
  ok.after = 16;
  ok.message = "routers: 4 -> 16";
  scale_result refused;
  refused.error = control_errc::bad_token;
  refused.message = "refused: wrong token for node 'b'";
  std::vector<std::pair<std::string, scale_result>> rs = {{"h:1", ok}, {"h:2", refused}};
  CHECK(render_scale(rs, output_format::table) ==
        "h:1: routers: 4 -> 16\nh:2: refused: wrong token for node 'b'\n");
  auto json = render_scale(rs, output_format::json);
  CHECK(json.find("{\"node\":\"h:1\",\"ok\":true,\"pool\":\"routers\",\"before\":4,\"after\":16") !=
        std::string::npos);
  CHECK(json.find("{\"node\":\"h:2\",\"ok\":false") != std::string::npos);
}

TEST_CASE("inspect: tokens are compared exactly") {
  CHECK(constant_time_equal("s3cret", "s3cret"));
  CHECK_FALSE(constant_time_equal("s3creT", "s3cret"));
  CHECK_FALSE(constant_time_equal("s3cre", "s3cret"));
  CHECK_FALSE(constant_time_equal("s3crett", "s3cret"));
  CHECK_FALSE(constant_time_equal("", "s3cret"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("inspect: the node view shows pools, links and bad input") {
  node_report r;
  r.name = "a";
  r.endpoint = "127.0.0.1:4270";
  r.routers.push_back({0, 3, 100, true});
  r.routers.push_back({1, -1, 90, false});
  r.links.push_back({"mqtt.egress", true, {{"published", 12}, {"reconnects", 0}}});
  r.counters = {{"replies.malformed", 3}, {"replies.duplicate", 2}, {"jobs.rejected", 1}};
  r.latencies.push_back({"latency.backbone_us", 10, 1'500, 1'000, 2'000, 4'000, 5'000});
  auto text = render_node(r, 0, output_format::table);
  CHECK(text.find("router pool: 2 routers") != std::string::npos);
  CHECK(text.find("0       3        100      up") != std::string::npos);
  CHECK(text.find("1       ?        90       down") != std::string::npos); // did not answer
  CHECK(text.find("mqtt.egress  up     published=12\n") != std::string::npos);
  CHECK(text.find("gateway responses  3           2\n") != std::string::npos);
  CHECK(text.find("jobs               1 rejected  0\n") != std::string::npos);
  CHECK(text.find("latency.backbone  10     1.50  1.00  2.00  4.00  4.00") == std::string::npos);
  CHECK(text.find("latency.backbone  10     1.50  1.00  2.00  4.00  5.00") != std::string::npos);
  // --counters: every counter with its unit and Prometheus series, from the catalog.
  r.counters.push_back({"mqtt.responses0.received", 7});
  r.counters.push_back({"made.up", 1});
  auto all = render_node(r, 0, output_format::table, true);
  CHECK(all.find("COUNTER") != std::string::npos);
  CHECK(
      all.find("replies.malformed         3      messages  shelfwire_replies_malformed_total\n") !=
      std::string::npos);
  CHECK(all.find("shelfwire_mqtt_received_total{client=\"responses0\"}") != std::string::npos);
  CHECK(all.find("made.up") != std::string::npos);
  CHECK(all.find("(not in the catalog)") != std::string::npos);
  auto json = render_node(r, 0, output_format::json);
  CHECK(json.find("\"routers\":{\"pool_size\":2,") != std::string::npos);
  CHECK(json.find("\"latency.backbone_us\":{\"count\":10,\"mean\":1500,\"p50\":1000") !=
        std::string::npos);
}
