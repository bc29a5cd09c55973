// shelfwire-inspect's `gateways` view against a real node process (real
// mosquitto and redis-server, the in-process gateway emulator): the
// per-gateway windows and counts, and a silent gateway's breaker opening
// while its ESLs are served by their runner-up.

#include "tests/integration/inspect/inspect_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::vector<std::string> only_a = {"a"};

json_value gateways_json(cluster_env& env, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{env.endpoint("a"), "gateways"};
  args.insert(args.end(), extra.begin(), extra.end());
  return inspect_json(env, std::move(args));
}

/// The row of gateway `gw` in a `gateways` JSON document (null if absent).
json_value row_of(const json_value& doc, gw_mac gw) {
  for (auto& g : doc["gateways"].array)
    if (g["gateway"].text == gw.to_string())
      return g;
  return {};
}

/// A job of one blink per ESL.
wire::job_submission blink_job(const std::string& id, const std::vector<esl_mac>& esls) {
  wire::job_submission j;
  j.job = id;
  for (auto e : esls) {
    wire::job_command c;
    c.esl = e;
    c.op = wire::op_kind::blink;
    j.commands.push_back(c);
  }
  return j;
}

} // namespace

TEST_CASE("inspect: gateways view; a silent gateway goes down and its ESLs are acked through "
          "the runner-up",
          "[inspect][gateways]") {
  cluster_env env;
  env.connect_clients();
  // A short attempt timeout, the breaker after two silent attempts and a
  // cool-down longer than the test (no probe brings the gateway back).
  auto fast = [](node_settings& s) { s.attempt_timeout_ms = 600; };
  env.start_member("a", "", true,
                   "\n[gateway]\nbreaker-silent-attempts = 2\nbreaker-cool-down-ms = 120000\n",
                   fast);
  REQUIRE(env.wait_member_ready("a"));
  REQUIRE(env.wait_members(only_a, 1));
  // 4 gateways; every ESL heard by its home gateway (-40..-49 dBm) and the
  // next one (-65..-69 dBm): outside the balance margin, the home one wins.
  env.start_emulator(4, 400, false);
  REQUIRE(env.wait_converged_all(only_a));

  // Before any command: no gateway known.
  auto empty = gateways_json(env);
  CHECK(empty["node"].text == "a");
  CHECK(empty["gateways"].array.empty());
  CHECK(empty["settings"]["breaker_silent_attempts"].integer() == 2);
  CHECK(empty["settings"]["flow_control"].boolean);

  // A few commands: every gateway serves its own ESLs.
  auto job = sim::make_job("gw-warmup", esls_of(env.store), 200);
  REQUIRE(env.producer->submit(job));
  auto warm = env.producer->wait_result(job.job, 60s);
  REQUIRE(warm);
  CHECK(count_status(*warm, outcome_status::acked) == 200);
  json_value doc;
  REQUIRE(wait_until(
      [&] {
        doc = gateways_json(env);
        int64_t acks = 0;
        for (auto& g : doc["gateways"].array)
          acks += g["acks"].integer();
        return acks >= 200;
      },
      10s));
  REQUIRE(doc["gateways"].array.size() == 4);
  for (auto& g : doc["gateways"].array) {
    CHECK(g["state"].text == "up");
    CHECK(g["sent"].integer() > 0);
    CHECK(g["in_flight"].integer() == 0);
    CHECK(g["waiting"].integer() == 0);
  }
  auto table = inspect(env, {env.endpoint("a"), "gateways"});
  REQUIRE(table.status == 0);
  CHECK(table.out.find("GATEWAY       STATE  WINDOW") != std::string::npos);
  std::printf("[inspect] $ shelfwire-inspect %s gateways\n%s\n", env.endpoint("a").c_str(),
              table.out.c_str());

  // Gateway G goes silent. Commands for ESLs it hears best: their first
  // attempts go to G, stay unanswered, and after two of them the breaker
  // opens; every command ends acked through its runner-up.
  auto g = env.store.gateways[1];
  std::vector<esl_mac> on_g, later_on_g;
  gw_mac runner_up;
  for (auto& e : env.store.esls)
    if (e.heard_by.size() >= 2 && e.heard_by[0].first == g) {
      runner_up = e.heard_by[1].first;
      (on_g.size() < 6 ? on_g : later_on_g).push_back(e.esl);
    }
  REQUIRE(on_g.size() == 6);
  REQUIRE(later_on_g.size() >= 4);
  later_on_g.resize(4);
  sim::gateway_behavior silent;
  silent.silent = true;
  env.emu->set_behavior(g, silent);
  auto first = blink_job("gw-silent", on_g);
  REQUIRE(env.producer->submit(first));
  json_value down_row;
  REQUIRE(wait_until(
      [&] {
        down_row = row_of(gateways_json(env), g);
        return down_row.has("state") && down_row["state"].text == "down";
      },
      20s));
  CHECK(down_row["breaker_trips"].integer() == 1);
  CHECK(down_row["silent"].integer() >= 2);
  CHECK(down_row["down_for_ms"].integer() > 60'000);
  auto r1 = env.producer->wait_result(first.job, 60s);
  REQUIRE(r1);
  CHECK(count_status(*r1, outcome_status::acked) == on_g.size());
  for (auto& o : r1->outcomes) {
    CHECK(o.status == outcome_status::acked);
    REQUIRE(o.gw);
    CHECK(*o.gw == runner_up);
    CHECK(o.attempts == 2); // one silent attempt on G, then the runner-up
  }

  // While G is down, new commands go straight to the runner-up.
  auto second = blink_job("gw-avoid", later_on_g);
  REQUIRE(env.producer->submit(second));
  auto r2 = env.producer->wait_result(second.job, 30s);
  REQUIRE(r2);
  for (auto& o : r2->outcomes) {
    CHECK(o.status == outcome_status::acked);
    REQUIRE(o.gw);
    CHECK(*o.gw == runner_up);
    CHECK(o.attempts == 1);
  }

  // The view, its filter, the node view's summary and the metrics agree.
  auto after = gateways_json(env);
  CHECK(after["totals"]["trips"].integer() == 1);
  CHECK(after["totals"]["avoided_down"].integer() >= 4);
  CHECK(row_of(after, runner_up)["acks"].integer() >= 10);
  auto only_down = gateways_json(env, {"--state", "down"});
  REQUIRE(only_down["gateways"].array.size() == 1);
  CHECK(only_down["gateways"][0]["gateway"].text == g.to_string());
  auto down_table = inspect(env, {env.endpoint("a"), "gateways", "--state", "down"});
  REQUIRE(down_table.status == 0);
  CHECK(down_table.out.find(g.to_string() + "  down") != std::string::npos);
  CHECK(down_table.out.find("1 of 4 gateways down") != std::string::npos);
  std::printf("[inspect] $ shelfwire-inspect %s gateways\n%s\n", env.endpoint("a").c_str(),
              inspect(env, {env.endpoint("a"), "gateways"}).out.c_str());
  auto node_table = inspect(env, {env.endpoint("a"), "node"});
  REQUIRE(node_table.status == 0);
  auto summary = node_table.out.find("GATEWAYS ");
  REQUIRE(summary != std::string::npos);
  std::printf(
      "[inspect] $ shelfwire-inspect %s node   (its GATEWAYS table)\n%s\n",
      env.endpoint("a").c_str(),
      node_table.out.substr(summary, node_table.out.find("\n\n", summary) - summary).c_str());
  auto node = inspect(env, {"--json", env.endpoint("a"), "node"});
  REQUIRE(node.status == 0);
  auto nv = json_parser::parse(node.out, nullptr);
  REQUIRE(nv);
  CHECK((*nv)["gateways"]["known"].integer() == 4);
  CHECK((*nv)["gateways"]["down"].integer() == 1);
  CHECK(wait_until([&] { return env.metric("a", "gateway.down") == 1; }, 5s));
  CHECK(env.metric("a", "gateway.breaker_trips") == 1);
  CHECK(env.metric("a", "routing.avoided_down") >= 4);
  auto snap = env.watch->snapshot("a");
  CHECK(snap.find("\"gateways\":[{\"gw\":\"") != std::string::npos);
  CHECK(snap.find("\"gw\":\"" + g.to_string() + "\",\"state\":\"down\"") != std::string::npos);
  // Bad usage: a state that does not exist.
  auto bad = inspect(env, {env.endpoint("a"), "gateways", "--state", "dead"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("up, down, probing") != std::string::npos);

  env.emu->set_behavior_all(sim::gateway_behavior{});
  check_clean_exit(env.members.at("a"));
}
