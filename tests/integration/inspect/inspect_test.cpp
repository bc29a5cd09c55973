// shelfwire-inspect against real node processes (2 members, real mosquitto
// and redis-server, the in-process gateway emulator): the views, and
// scaling the router pool under load.

#include <atomic>
#include <thread>

#include "tests/integration/inspect/inspect_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::vector<std::string> ab = {"a", "b"};
const std::string token = "t0ken-for-tests";
const std::string inspect_ini = "\n[inspect]\ntoken = \"" + token + "\"\n";

void start_two(cluster_env& env) {
  env.connect_clients();
  auto four_routers = [](node_settings& s) { s.router_pool_size = 4; };
  env.start_member("a", "", true, inspect_ini, four_routers);
  env.start_member("b", env.endpoint("a"), true, inspect_ini, four_routers);
  REQUIRE(env.wait_member_ready("a"));
  REQUIRE(env.wait_member_ready("b"));
  REQUIRE(env.wait_members(ab, 2));
}

int64_t pool_size(cluster_env& env, const std::string& member) {
  auto v = inspect_json(env, {env.endpoint(member), "node"});
  return v["routers"]["pool_size"].integer();
}

} // namespace

TEST_CASE("inspect: members, node, route and a stuck command, on two nodes", "[inspect]") {
  cluster_env env;
  start_two(env);
  env.start_emulator(8, 2'000);
  REQUIRE(env.wait_converged_all(ab));

  // members: both, as each node sees them.
  auto members = inspect_json(env, {env.endpoint("b"), "members"});
  REQUIRE(members["members"].array.size() == 2);
  CHECK(members["members"][0]["name"].text == "b");
  CHECK(members["members"][0]["state"].text == "self");
  CHECK(members["members"][1]["name"].text == "a");
  CHECK(members["members"][1]["state"].text == "up");
  CHECK(members["members"][1]["endpoint"].text == env.endpoint("a"));
  CHECK(members["members"][1]["last_heard_ms"].integer() >= 0);
  CHECK(members["members"][1]["last_heard_ms"].integer() < 5'000);
  auto table = inspect(env, {env.endpoint("a"), "members"});
  REQUIRE(table.status == 0);
  CHECK(table.out.find("NAME") != std::string::npos);
  CHECK(table.out.find(env.endpoint("b")) != std::string::npos);

  // node: counters move while commands flow.
  auto before = inspect_json(env, {env.endpoint("a"), "node"});
  CHECK(before["name"].text == "a");
  CHECK(before["routers"]["pool_size"].integer() == 4);
  CHECK(before["routers"]["workers"].array.size() == 4);
  CHECK(before["actors"]["command supervisors"].integer() == 2);
  CHECK(before["commands_by_state"].has("awaiting_reply"));
  auto acked_before = before["outcomes"]["acked"].integer();
  auto job = sim::make_job("inspect-flow", esls_of(env.store), 2'000);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  CHECK(count_status(*r, outcome_status::acked) == 2'000);
  json_value after;
  REQUIRE(wait_until(
      [&] {
        after = inspect_json(env, {env.endpoint("a"), "node"});
        return after["outcomes"]["acked"].integer() > acked_before + 500;
      },
      10s));
  CHECK(after["counters"]["commands.accepted"].integer() > 500);
  CHECK(after["latency_us"]["latency.backbone_us"]["count"].integer() > 500);
  bool egress_published = false;
  for (auto& l : after["links"].array)
    if (l["name"].text == "mqtt.egress")
      egress_published = l["up"].boolean && l["counters"]["published"].integer() > 500;
  CHECK(egress_published);
  auto node_table = inspect(env, {env.endpoint("a"), "node"});
  REQUIRE(node_table.status == 0);
  CHECK(node_table.out.find("router pool: 4 routers") != std::string::npos);
  // gateways --all: each member's own windows, every gateway used by both.
  auto gws = inspect_json(env, {env.endpoint("a"), "gateways", "--all"});
  REQUIRE(gws["nodes"].array.size() == 2);
  for (auto& n : gws["nodes"].array) {
    CHECK(n["gateways"].array.size() == 8);
    for (auto& g : n["gateways"].array) {
      CHECK(g["state"].text == "up");
      CHECK(g["sent"].integer() > 0);
    }
  }
  CHECK(gws["nodes"][0]["node"].text == "a");
  CHECK(gws["nodes"][1]["node"].text == "b");
  // What an operator sees (docs/operations.md shows a capture of these).
  std::printf("[inspect] $ shelfwire-inspect %s members\n%s\n[inspect] $ shelfwire-inspect %s "
              "node\n%s\n",
              env.endpoint("a").c_str(), table.out.c_str(), env.endpoint("a").c_str(),
              node_table.out.c_str());

  // route: what the emulator's adverts imply (the strongest hearer first).
  auto& e = env.store.esls.front();
  auto best = std::max_element(e.heard_by.begin(), e.heard_by.end(),
                               [](auto& x, auto& y) { return x.second < y.second; });
  auto route = inspect_json(env, {env.endpoint("b"), "route", e.esl.to_string()});
  CHECK(route["ok"].boolean);
  REQUIRE(route["candidates"].array.size() == e.heard_by.size());
  CHECK(route["candidates"][0]["gateway"].text == best->first.to_string());
  CHECK(route["candidates"][0]["rssi"].integer() == best->second);

  // commands: a command stuck on a silent gateway, with its age and attempts.
  sim::gateway_behavior silent;
  silent.silent = true;
  env.emu->set_behavior(best->first, silent);
  wire::job_submission stuck;
  stuck.job = "inspect-stuck";
  wire::job_command c;
  c.esl = e.esl;
  c.op = wire::op_kind::blink;
  stuck.commands.push_back(c);
  REQUIRE(env.producer->submit(stuck));
  auto owner = owner_of(e.esl, ab);
  json_value row;
  REQUIRE(wait_until(
      [&] {
        auto l = inspect_json(env, {env.endpoint(owner), "commands", "--esl", e.esl.to_string()});
        if (l["commands"].array.empty())
          return false;
        row = l["commands"][0];
        return row["age_ms"].integer() >= 1'500;
      },
      20s));
  CHECK(row["state"].text == "awaiting_reply");
  CHECK(row["attempts"].integer() == 1);
  CHECK(row["gateway"].text == best->first.to_string());
  CHECK(row["esl"].text == e.esl.to_string());
  auto by_state = inspect_json(env, {env.endpoint(owner), "commands", "--state", "awaiting_reply"});
  CHECK(by_state["matching"].integer() == 1);
  auto text = inspect(env, {env.endpoint(owner), "commands"});
  REQUIRE(text.status == 0);
  CHECK(text.out.find(e.esl.to_string()) != std::string::npos);
  CHECK(text.out.find("awaiting_reply") != std::string::npos);

  // Control without the token: refused, logged, nothing changes.
  auto refused = inspect(
      env, {env.endpoint("a"), "scale", "--pool", "routers", "--size", "9", "--token", "wrong"});
  CHECK(refused.status == 1);
  CHECK(refused.err.find("wrong token") != std::string::npos);
  auto no_token = inspect(env, {env.endpoint("a"), "scale", "--pool", "routers", "--size", "9"});
  CHECK(no_token.status == 1);
  CHECK(pool_size(env, "a") == 4);
  CHECK(log_has(env.members.at("a").proc, "refused: wrong token"));
  // Bad usage: a clear message, exit 2.
  auto bad = inspect(env, {env.endpoint("a"), "route", "not-a-mac"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("12 hex digits") != std::string::npos);
  auto unreachable = inspect(env, {"127.0.0.1:1", "members"});
  CHECK(unreachable.status == 1);
  CHECK(unreachable.err.find("cannot reach") != std::string::npos);

  env.emu->set_behavior_all(sim::gateway_behavior{});
  for (auto& n : ab)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("inspect: scale routers 4 -> 16 -> 1 -> 8 on both nodes under load: nothing lost or "
          "failed",
          "[inspect][scale]") {
  cluster_env env;
  start_two(env);
  env.start_emulator(8, 2'000, false);
  REQUIRE(env.wait_converged_all(ab));

  // Steady load: two producers, each submitting jobs of 1,000 commands one
  // after the other until stopped.
  std::atomic<bool> stop{false};
  std::atomic<int> jobs_done{0};
  std::atomic<size_t> commands{0}, outcomes{0}, acked{0};
  std::atomic<bool> missing{false};
  // Each producer has its own half of the ESLs: no command supersedes another.
  auto produce = [&](int producer) {
    auto all = esls_of(env.store);
    std::vector<esl_mac> esls(all.begin() + (producer - 1) * 1'000, all.begin() + producer * 1'000);
    for (int i = 0; !stop; ++i) {
      auto job =
          sim::make_job("scale-" + std::to_string(producer) + "-" + std::to_string(i), esls, 1'000);
      commands += job.commands.size();
      if (!env.producer->submit(job)) {
        missing = true;
        return;
      }
      auto r = env.producer->wait_result(job.job, 120s);
      if (!r) {
        missing = true;
        return;
      }
      outcomes += r->outcomes.size();
      acked += count_status(*r, outcome_status::acked);
      ++jobs_done;
    }
  };
  std::thread load1{produce, 1};
  std::thread load2{produce, 2};
  // Stops and joins the producers however the test leaves (a failed REQUIRE too).
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& a;
    std::thread& b;
    ~joiner() {
      stop = true;
      if (a.joinable())
        a.join();
      if (b.joinable())
        b.join();
    }
  } join_load{stop, load1, load2};
  auto progress = [&](int jobs) {
    return wait_until([&] { return jobs_done.load() >= jobs || missing; }, 120s);
  };
  REQUIRE(progress(2));
  CHECK(pool_size(env, "a") == 4);
  CHECK(pool_size(env, "b") == 4);
  for (int size : {16, 1, 8}) {
    auto res = inspect_json(env, {"--token", token, env.endpoint("a"), "scale", "--pool", "routers",
                                  "--size", std::to_string(size), "--all"});
    REQUIRE(res["results"].array.size() == 2);
    for (auto& x : res["results"].array) {
      CHECK(x["ok"].boolean);
      CHECK(x["after"].integer() == size);
    }
    CHECK(pool_size(env, "a") == size);
    CHECK(pool_size(env, "b") == size);
    // Let the load run on the new size.
    REQUIRE(progress(jobs_done.load() + 2));
  }
  stop = true;
  load1.join();
  load2.join();
  CHECK_FALSE(missing);
  std::printf("[inspect] scaled 4 -> 16 -> 1 -> 8 under load: %zu commands, %zu outcomes, %zu "
              "acked; %lld requests handed back by routers taken out\n",
              commands.load(), outcomes.load(), acked.load(),
              static_cast<long long>(env.sum(ab, "router.handed_back")));
  CHECK(outcomes.load() == commands.load()); // nothing lost
  CHECK(acked.load() == commands.load());    // nothing failed or timed out
  CHECK(env.sum(ab, "outcomes.failed") == 0);
  for (auto& n : ab)
    check_clean_exit(env.members.at(n));
}
