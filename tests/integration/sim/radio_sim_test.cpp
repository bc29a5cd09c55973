// shelfwire-sim with the emulator's radio physics, end to end through a real
// node: a tiny reprice-real (2 gateways x 2 slots, a queue of 1, 200 ESLs,
// gateway time 20x compressed). Busy NACKs appear, no gateway ever has more
// transmissions than slots, nothing is lost, and completion is never below
// the radio bound.

#include "tests/integration/process/process_support.hpp"
#include "tests/integration/sim/sim_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("shelfwire-sim with radio physics: busy NACKs from a tiny queue, slots never "
          "exceeded, nothing lost, completion above the radio bound",
          "[sim][radio]") {
  temp_dir dir;
  auto report = dir.file("radio.json");
  std::vector<std::string> argv{
      build_binary("shelfwire-sim"),
      "--scenario",
      std::string{SHELFWIRE_SOURCE_DIR} + "/sim/scenarios/reprice-real.ini",
      "--report",
      report,
      "--report.histograms=false",
      "--report.progress-interval-ms=1000",
      "--store.gateways=2",
      "--store.esls=200",
      "--store.status-interval-ms=0",
      "--producer.commands-per-task=50",
      "--producer.task-timeout-ms=120000",
      "--gateway.radio-slots=2",
      "--gateway.queue-max=1",
      "--gateway.compression=20",
      "--cluster.node-args=--commands.attempt-timeout-ms=5000 --commands.timeout-ms=60000 "
      "--commands.max-attempts=16"};
  auto r = run_to_exit(dir, "radio", argv, std::chrono::minutes{3});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status);
  REQUIRE(*r.status == 0);
  CHECK(r.out.find("radio (time compressed 20x)") != std::string::npos);
  std::string err;
  auto v = json_parser::parse(read_text(report), &err);
  INFO("report JSON error: " << err);
  REQUIRE(v);
  auto& rep = *v;
  CHECK(num(rep, "commands") == 201); // 200 + the urgent job
  CHECK(num(rep, "lost") == 0);
  CHECK(num(rep, "compression") == 20);
  auto* radio = rep.find("radio");
  REQUIRE(radio);
  CHECK((*radio)["enabled"].boolean);
  // Slots: never more than 2 at one gateway; a queue of 1 overflows.
  CHECK(num(*radio, "peak_slots") == 2);
  CHECK(num(*radio, "peak_queue") <= 1);
  CHECK(num(rep, "busy_nacks") > 0);
  // Every transmission that ended is an answer the nodes could count.
  CHECK(num(*radio, "transmissions") >= num(rep, "acked"));
  double per_gateway = 0;
  for (auto& [gw, n] : (*radio)["gateway_actions"].object)
    per_gateway += n.number;
  CHECK(per_gateway == num(*radio, "actions"));
  CHECK(num(*radio, "actions") >= 201);
  // The bound: 201 prices of 1.5 s (mean) / 20, between both gateways busy
  // all along (4 slots) and one gateway doing everything (2 slots). It bounds
  // the expected work; 201 draws of U[1, 2] s sum to within ~1.4 % (one
  // standard deviation) of it, so completion may undercut it only by that.
  CHECK(num(rep, "radio_bound_s") >= 201 * 1.5 / 4 / 20 - 0.01);
  CHECK(num(rep, "radio_bound_s") <= 201 * 1.5 / 2 / 20);
  CHECK(num(rep, "completion_s") >= 0.95 * num(rep, "radio_bound_s"));
  CHECK(num(rep, "radio_bound_real_s") == Approx(20 * num(rep, "radio_bound_s")));
  // The urgent job ran and was answered.
  CHECK(num(rep, "urgent_latency_ms") > 0);
  CHECK(rep["urgent"]["outcome"].text != "");
}
