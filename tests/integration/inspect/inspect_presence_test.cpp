// Node presence with real node processes (docs/operations.md, "Node
// presence"): each node's retained "online" on {presence.topic}/{node}; its
// last will turns it "offline (lost)" when the node is frozen (after the
// keep-alive) or killed (at once: the kernel closes the socket); a thawed
// node announces itself again; shelfwire-inspect's `members` view shows the
// killed node offline; SIGTERM says "offline (stopped)" and leaves no
// retained metrics snapshot behind.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>

#include "runtime/mqtt/client.hpp"
#include "sim/runner/presence_watch.hpp"
#include "tests/integration/inspect/inspect_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using cluster::presence_state;

namespace {

const std::string presence_topic = "shelfwire-test/nodes";
// Keep-alive 1 s: the broker gives up on a silent (frozen) node after 1.5 s.
const std::string presence_ini =
    "\n[presence]\ntopic = \"" + presence_topic + "\"\n\n[mqtt]\nkeepalive-s = 1\n";

/// The retained messages the broker holds on `filter` right now: a fresh
/// subscriber gets them before the echo of its own later message (the
/// broker sends a subscription's retained messages before it handles what
/// the subscriber publishes next), so no sleeping.
std::vector<mqtt::message> retained_on(cluster_env& env, const std::string& filter) {
  std::mutex mtx;
  std::vector<mqtt::message> got;
  std::atomic<bool> echoed{false};
  const std::string marker = "shelfwire-test/marker";
  static int n = 0;
  mqtt::client c{test_client(env.broker.url(), "retained-probe-" + std::to_string(++n)), env.reg,
                 "probe."};
  c.subscribe(filter, 1, [&](mqtt::message&& m) {
    std::lock_guard<std::mutex> g{mtx};
    got.push_back(std::move(m));
  });
  c.subscribe(marker, 1, [&](mqtt::message&&) { echoed = true; });
  REQUIRE(c.start());
  REQUIRE(c.wait_ready(10s));
  REQUIRE(c.publish(marker, "x", 1) == mqtt::publish_errc::ok);
  REQUIRE(wait_until([&] { return echoed.load(); }, 10s));
  c.stop();
  std::lock_guard<std::mutex> g{mtx};
  return got;
}

/// The `others` entry (known only by presence) of `name` in a members view.
const json_value* other(const json_value& members, const std::string& name) {
  for (auto& o : members["others"].array)
    if (o["name"].text == name)
      return &o;
  return nullptr;
}

} // namespace

TEST_CASE("presence: online retained, offline (lost) by the will of a frozen or killed node, "
          "offline (stopped) on SIGTERM; the members view agrees",
          "[inspect][presence]") {
  cluster_env env;
  env.connect_clients();
  env.start_member("a", "", true, presence_ini);
  env.start_member("b", env.endpoint("a"), true, presence_ini);
  REQUIRE(env.wait_member_ready("a"));
  REQUIRE(env.wait_member_ready("b"));
  REQUIRE(env.wait_members({"a", "b"}, 2));
  REQUIRE(wait_until(
      [&] {
        return env.metric("a", "mqtt.presence.up") == 1 && env.metric("b", "mqtt.presence.up") == 1;
      },
      30s));

  // Online, retained: a subscriber that comes now gets both from the broker.
  sim::presence_watch watch{test_client(env.broker.url(), "presence-watch"), presence_topic,
                            env.reg};
  REQUIRE(watch.start());
  REQUIRE(watch.wait_ready(10s));
  REQUIRE(wait_until(
      [&] {
        return watch.is("a", presence_state::online) && watch.is("b", presence_state::online);
      },
      10s));
  for (auto* n : {"a", "b"}) {
    auto e = watch.get(n);
    REQUIRE(e);
    CHECK(e->retained);
    CHECK(e->p.endpoint == env.endpoint(n));
    CHECK(e->p.ts_ms > 0);
  }
  const auto b_incarnation = watch.get("b")->p.incarnation;
  auto members = inspect_json(env, {env.endpoint("a"), "members"});
  REQUIRE(members["members"].array.size() == 2);
  for (auto& m : members["members"].array) {
    INFO(m["name"].text);
    CHECK(m["presence"]["state"].text == "online");
    CHECK(m["presence"]["incarnation"].text == m["incarnation"].text);
  }
  CHECK(members["others"].array.empty());

  // Frozen: the broker hears nothing for 1.5 x keep-alive and publishes its
  // will; thawed, it finds its connection closed, reconnects, and says online
  // again (the same incarnation).
  auto& b = env.members.at("b");
  auto t0 = std::chrono::steady_clock::now();
  b.proc.signal(SIGSTOP);
  REQUIRE(wait_until([&] { return watch.is("b", presence_state::offline, "lost"); }, 15s));
  auto frozen_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  b.proc.signal(SIGCONT);
  REQUIRE(
      wait_until([&] { return watch.is("b", presence_state::online, {}, b_incarnation); }, 20s));

  // Killed: the kernel closes its sockets, the broker publishes the will at once.
  t0 = std::chrono::steady_clock::now();
  b.proc.signal(SIGKILL);
  REQUIRE(b.proc.wait_exit(10s));
  REQUIRE(wait_until([&] { return watch.is("b", presence_state::offline, "lost"); }, 15s));
  auto killed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("[presence] will of a frozen node after %lld ms (keep-alive 1 s), of a killed "
              "node after %lld ms\n",
              static_cast<long long>(frozen_ms), static_cast<long long>(killed_ms));

  // The members view on a: b is no member any more, and offline (lost).
  json_value view;
  REQUIRE(wait_until(
      [&] {
        view = inspect_json(env, {env.endpoint("a"), "members"});
        auto* o = other(view, "b");
        return view["members"].array.size() == 1 && o && o->find("presence") &&
               (*o)["presence"]["state"].text == "offline" &&
               (*o)["presence"]["reason"].text == "lost";
      },
      15s));
  CHECK((*other(view, "b"))["presence"]["endpoint"].text == env.endpoint("b"));
  CHECK((*other(view, "b"))["presence"]["since_ms"].integer() > 0); // a saw it happen
  auto table = inspect(env, {env.endpoint("a"), "members"});
  REQUIRE(table.status == 0);
  std::printf("[presence] $ shelfwire-inspect %s members\n%s\n", env.endpoint("a").c_str(),
              table.out.c_str());
  CHECK(table.out.find("offline (lost)") != std::string::npos);
  // A killed node says no goodbye: its last metrics snapshot stays retained.
  CHECK(retained_on(env, metrics_topic + "/b").size() == 1);

  // SIGTERM: offline (stopped), its metrics snapshot cleared, no will after it.
  auto& a = env.members.at("a");
  check_clean_exit(a);
  REQUIRE(wait_until([&] { return watch.is("a", presence_state::offline, "stopped"); }, 10s));
  CHECK(retained_on(env, metrics_topic + "/a").empty());
  auto kept = retained_on(env, presence_topic + "/a");
  REQUIRE(kept.size() == 1);
  CHECK(kept.front().retained);
  auto p = cluster::decode_presence(kept.front().payload);
  REQUIRE(p);
  CHECK(p->reason == "stopped");
  CHECK(watch.is("a", presence_state::offline, "stopped")); // and nothing came after it
}

TEST_CASE("presence.topic empty: the node announces nothing and keeps working",
          "[inspect][presence]") {
  cluster_env env;
  env.connect_clients();
  env.start_member("solo", "", true, "\n[presence]\ntopic = \"\"\n");
  REQUIRE(env.wait_member_ready("solo"));
  CHECK(env.metric("solo", "mqtt.presence.up") == 0);
  CHECK(retained_on(env, "shelfwire/nodes/#").empty());
  auto members = inspect_json(env, {env.endpoint("solo"), "members"});
  REQUIRE(members["members"].array.size() == 1);
  CHECK(members["members"][0]["presence"].is_null());
  CHECK(members["others"].array.empty());
  check_clean_exit(env.members.at("solo"));
}
