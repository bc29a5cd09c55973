// A node process started before its broker: it keeps retrying, comes up
// once the broker appears, and then serves jobs.

#include <csignal>

#include "tests/integration/process/process_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("a node started while the broker is down comes up when it appears and serves a job",
          "[process][outage]") {
  quiet_logs();
  temp_dir dir;
  redis_server redis;
  mosquitto_server broker; // picks the port; stopped before the node starts
  broker.stop();
  REQUIRE_FALSE(port_accepts(broker.port()));

  node_settings cfg;
  cfg.name = "proc-late-broker";
  cfg.mqtt_url = broker.url();
  cfg.redis_port = redis.port();
  cfg.connect_timeout_ms = 500;
  auto proc = start_node(dir, cfg);
  show_logs_on_failure logs{{"node", &proc}};
  // The node is up, without a broker, retrying in the background.
  REQUIRE(wait_until([&] { return log_has(proc, "MQTT not ready yet") || !proc.running(); }, 20s));
  REQUIRE(proc.running());

  broker.start();
  metrics::registry reg;
  sim::metrics_watch watch{test_client(broker.url(), "proc-late-watch"), metrics_topic, reg};
  REQUIRE(watch.start());
  REQUIRE(watch.wait_ready(10s));
  // Every connection comes up and subscribes, as its snapshot shows.
  REQUIRE(wait_until([&] { return node_ready(watch, cfg.name); }, 30s));
  CHECK(watch.value(cfg.name, "mqtt.egress.connects") >= 1);
  CHECK(watch.value(cfg.name, "mqtt.intake.connects") >= 1);

  auto store = sim::gateway_emulator::simple_store(3, 150, 1, 5);
  store.mqtt = test_client(broker.url(), "proc-late-emu");
  sim::gateway_emulator emu{store, reg};
  REQUIRE(emu.start());
  REQUIRE(emu.wait_ready(10s));
  emu.advertise_every(300ms);
  // Status consumers are subscribed too: the routing table fills.
  REQUIRE(wait_until(
      [&] { return watch.value(cfg.name, "status.adverts_applied") >= adverts_per_round(store); },
      30s));

  sim::job_client producer{test_client(broker.url(), "proc-late-producer"), "esl/jobs", reg};
  REQUIRE(producer.start());
  REQUIRE(producer.wait_ready(10s));
  auto job = sim::make_job("proc-late-broker-job", esls_of(store), 150);
  REQUIRE(producer.submit(job));
  auto r = producer.wait_result(job.job, 60s);
  REQUIRE(r);
  CHECK_FALSE(r->rejected);
  REQUIRE(r->outcomes.size() == 150);
  CHECK(count_status(*r, outcome_status::acked) == 150);
  CHECK(r->node == cfg.name);

  emu.stop();
  auto status = signal_and_wait(proc, SIGTERM);
  auto log = read_text(proc.log_path());
  INFO("node log:\n" << log);
  CHECK(status == 0);
  CHECK_FALSE(has_sanitizer_report(log));
}
