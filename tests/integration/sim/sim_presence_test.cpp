// shelfwire-sim reports each node's presence as the broker holds it at the
// end (docs/operations.md, "Node presence"): the node it killed offline
// (lost, by its last will), the one it stopped offline (stopped).

#include "tests/integration/process/process_support.hpp"
#include "tests/integration/sim/sim_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("shelfwire-sim: a killed node's presence is offline (lost), a stopped one's "
          "offline (stopped)",
          "[sim][presence]") {
  temp_dir dir;
  auto report = dir.file("presence.json");
  std::vector<std::string> argv{
      build_binary("shelfwire-sim"),
      "--scenario",
      std::string{SHELFWIRE_SOURCE_DIR} + "/sim/scenarios/demo.ini",
      "--report",
      report,
      "--cluster.nodes=2",
      "--cluster.kill-node=1",
      "--cluster.kill-node-at-ms=300",
      "--cluster.presence-topic=sim-test/nodes",
      "--store.gateways=4",
      "--store.esls=200",
      "--producer.workers=4",
      "--producer.tasks=1000",             // ~2,000 commands: the load outlasts the kill at 300 ms
      "--producer.resubmit-after-ms=2000", // a task the killed node took
      "--report.histograms=false",
      "--report.progress-interval-ms=500"};
  auto r = run_to_exit(dir, "presence", argv, std::chrono::minutes{4});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.status);
  std::string err;
  auto rep = json_parser::parse(read_text(report), &err);
  INFO("report JSON error: " << err);
  REQUIRE(rep);
  REQUIRE((*rep)["failover"]["killed_node"].text == "sim-node-2");
  auto* presence = rep->find("presence");
  REQUIRE(presence);
  CHECK((*presence)["sim-node-1"]["state"].text == "offline");
  CHECK((*presence)["sim-node-1"]["reason"].text == "stopped");
  CHECK((*presence)["sim-node-2"]["state"].text == "offline");
  CHECK((*presence)["sim-node-2"]["reason"].text == "lost");
  // The kernel closed the killed node's sockets: the broker published its will at once.
  auto after = num((*rep)["failover"], "presence_lost_after_ms");
  CHECK(after >= 0);
  CHECK(after < 5'000);
  CHECK(r.out.find("presence at the end") != std::string::npos);
}
