// The real binaries as processes: mosquitto, redis-server, shelfwire-node
// (configured by a file) and shelfwire-gw-emu, driven by a job producer.

#include <csignal>
#include <cstdlib>

#include "tests/integration/process/process_support.hpp"
#include "tests/support/json.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("a node process serves a 500-command job from an emulator process, all acked",
          "[process][e2e]") {
  process_env env;
  env.connect_clients();
  store_settings ss;
  auto store = store_of(ss);
  auto node_cfg = env.node("proc-e2e");
  auto node_proc = start_node(env.dir, node_cfg);
  show_logs_on_failure logs{{"node", &node_proc}};
  REQUIRE(env.wait_node_ready(node_cfg.name));
  auto emu = start_emulator(env.dir, "proc-e2e-emu", env.broker.url(), ss, 300);
  logs.add("emulator", &emu);
  REQUIRE(wait_until([&] { return log_has_line(emu, "ready") || !emu.running(); }, 30s));
  REQUIRE(emu.running());
  REQUIRE(env.wait_converged(node_cfg.name, adverts_per_round(store)));

  auto job = sim::make_job("proc-e2e-500", esls_of(store), 500);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  REQUIRE_FALSE(r->rejected);
  CHECK(r->node == node_cfg.name);
  REQUIRE(r->outcomes.size() == 500);
  CHECK(count_status(*r, outcome_status::acked) == 500);
  CHECK(r->counts()[static_cast<size_t>(outcome_status::acked)] == 500);
  for (size_t i = 0; i < r->outcomes.size(); ++i) {
    auto& o = r->outcomes[i];
    CHECK(o.esl == job.commands[i].esl); // submission order
    CHECK(o.attempts == 1);
    CHECK(o.reason.empty());
    REQUIRE(o.gw);
    CHECK(*o.gw == store.esls[i].heard_by.front().first); // the home gateway
  }
  CHECK(env.producer->duplicate_results() == 0);
  // The node's own counters agree, as its snapshot shows.
  CHECK(wait_until(
      [&] {
        return env.metric(node_cfg.name, "outcomes.acked") >= 500 &&
               env.metric(node_cfg.name, "jobs.completed") >= 1;
      },
      10s));
  CHECK(env.metric(node_cfg.name, "outcomes.acked") == 500);
  CHECK(env.metric(node_cfg.name, "jobs.completed") == 1);

  // Both processes stop cleanly.
  CHECK(signal_and_wait(node_proc, SIGTERM) == 0);
  CHECK(signal_and_wait(emu, SIGTERM) == 0);
  CHECK_FALSE(has_sanitizer_report(read_text(node_proc.log_path())));
  CHECK_FALSE(has_sanitizer_report(read_text(emu.log_path())));
  CHECK(log_has(node_proc, "received SIGTERM, stopping"));
}

TEST_CASE("the retained metrics snapshot is JSON with the documented fields; counters move",
          "[process][metrics]") {
  process_env env;
  env.connect_clients();
  store_settings ss;
  ss.gateways = 2;
  ss.esls = 60;
  auto store = store_of(ss);
  auto node_cfg = env.node("proc-metrics");
  auto node_proc = start_node(env.dir, node_cfg);
  show_logs_on_failure logs{{"node", &node_proc}};
  REQUIRE(env.wait_node_ready(node_cfg.name));

  auto parse = [](const std::string& text) {
    std::string err;
    auto v = json_parser::parse(text, &err);
    INFO("snapshot: " << text);
    INFO("JSON error: " << err);
    REQUIRE(v);
    return *v;
  };
  auto counter = [](const json_value& snap, const std::string& name) -> int64_t {
    auto* c = snap.find("metrics")->find("counters")->find(name);
    REQUIRE(c);
    REQUIRE(c->is_count());
    return static_cast<int64_t>(c->number);
  };
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  // Shape: {"node","incarnation","ts_ms","cluster":{"endpoint","members"},
  //         "metrics":{"counters","gauges","histograms"},"gateways":[...]}.
  auto first = parse(env.watch->snapshot(node_cfg.name));
  REQUIRE(first.is_object());
  CHECK(first.object.size() == 6);
  REQUIRE(first.find("gateways"));
  CHECK(first.find("gateways")->is_array());
  auto* cl = first.find("cluster");
  REQUIRE(cl);
  REQUIRE(cl->is_object());
  REQUIRE(cl->find("endpoint"));
  CHECK(cl->find("endpoint")->text.rfind("127.0.0.1:", 0) == 0);
  REQUIRE(cl->find("members"));
  REQUIRE(cl->find("members")->array.size() == 1); // a cluster of one: itself
  CHECK(cl->find("members")->array[0].text == node_cfg.name);
  REQUIRE(first.find("node"));
  CHECK(first.find("node")->is_string());
  CHECK(first.find("node")->text == node_cfg.name);
  REQUIRE(first.find("incarnation"));
  CHECK(first.find("incarnation")->is_count());
  REQUIRE(first.find("ts_ms"));
  REQUIRE(first.find("ts_ms")->is_count());
  CHECK(std::abs(static_cast<int64_t>(first.find("ts_ms")->number) - now_ms()) < 60'000);
  auto* m = first.find("metrics");
  REQUIRE(m);
  REQUIRE(m->is_object());
  for (auto* part : {"counters", "gauges", "histograms"}) {
    INFO(part);
    REQUIRE(m->find(part));
    CHECK(m->find(part)->is_object());
  }
  for (auto& [name, v] : m->find("counters")->object) {
    INFO("counter " << name);
    CHECK(v.is_count());
  }
  for (auto& [name, v] : m->find("gauges")->object) {
    INFO("gauge " << name);
    CHECK(v.is_number());
  }
  for (auto& [name, h] : m->find("histograms")->object) {
    INFO("histogram " << name);
    REQUIRE(h.is_object());
    for (auto* field : {"count", "mean", "p50", "p90", "p99", "max"}) {
      INFO(field);
      REQUIRE(h.find(field));
      CHECK(h.find(field)->is_number());
    }
  }
  for (auto* name : {"outcomes.acked", "jobs.completed", "commands.accepted", "replies.delivered",
                     "status.adverts_applied"})
    CHECK(counter(first, name) >= 0);
  REQUIRE(m->find("gauges")->find("commands.pending"));
  REQUIRE(m->find("histograms")->find("latency.end_to_end_us"));

  // Counters move after a job.
  sim::emulator_options eo = store;
  eo.mqtt = test_client(env.broker.url(), "proc-metrics-emu");
  sim::gateway_emulator emu{eo, env.reg};
  REQUIRE(emu.start());
  REQUIRE(emu.wait_ready(10s));
  emu.advertise_every(300ms);
  REQUIRE(env.wait_converged(node_cfg.name, adverts_per_round(store)));
  auto before = parse(env.watch->snapshot(node_cfg.name));
  auto job = sim::make_job("proc-metrics-job", esls_of(store), 60);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  CHECK(count_status(*r, outcome_status::acked) == 60);
  REQUIRE(wait_until(
      [&] {
        auto snap = parse(env.watch->snapshot(node_cfg.name));
        return counter(snap, "jobs.completed") >= counter(before, "jobs.completed") + 1 &&
               counter(snap, "outcomes.acked") >= counter(before, "outcomes.acked") + 60;
      },
      10s));
  auto after = parse(env.watch->snapshot(node_cfg.name));
  CHECK(counter(after, "outcomes.acked") - counter(before, "outcomes.acked") == 60);
  CHECK(counter(after, "commands.accepted") - counter(before, "commands.accepted") == 60);
  CHECK(counter(after, "replies.delivered") - counter(before, "replies.delivered") == 60);
  CHECK(counter(after, "jobs.completed") - counter(before, "jobs.completed") == 1);
  CHECK(counter(after, "status.adverts_applied") >= adverts_per_round(store));
  CHECK(after.find("incarnation")->number == first.find("incarnation")->number);
  CHECK(after.find("ts_ms")->number >= first.find("ts_ms")->number);
  auto* e2e = after.find("metrics")->find("histograms")->find("latency.end_to_end_us");
  REQUIRE(e2e);
  CHECK(e2e->find("count")->number >= 60);

  // Retained: a subscriber that arrives later still gets the last snapshot.
  // (Until a clean exit clears it: inspect_presence_test.cpp.)
  emu.stop();
  metrics::registry late_reg;
  sim::metrics_watch late{test_client(env.broker.url(), "proc-late-watch"), metrics_topic,
                          late_reg};
  REQUIRE(late.start());
  REQUIRE(late.wait_ready(10s));
  REQUIRE(wait_until([&] { return !late.snapshot(node_cfg.name).empty(); }, 10s));
  auto last = parse(late.snapshot(node_cfg.name));
  CHECK(last.find("node")->text == node_cfg.name);
  CHECK(counter(last, "outcomes.acked") >= counter(after, "outcomes.acked"));
  REQUIRE(signal_and_wait(node_proc, SIGTERM) == 0);
  CHECK_FALSE(has_sanitizer_report(read_text(node_proc.log_path())));
}
