// A real Prometheus scrapes a node under load: series arrive and
// rate(shelfwire_commands_total[...]) is non-zero.

#include "sim/producer/job_client.hpp"
#include "tests/integration/node/node_fixture.hpp"
#include "tests/support/prometheus.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

TEST_CASE("Prometheus scrapes a node under load", "[ops][prometheus]") {
  auto port = sim::free_port();
  const std::string token = "prom-scrape-t0ken";
  node_fixture f{2, 40, 1, [&](node_options& o) {
                   o.metrics_listen = "127.0.0.1:" + std::to_string(port);
                   o.metrics_token = token;
                 }};
  prometheus_server prom{{"127.0.0.1:" + std::to_string(port)}, token};
  INFO(prom.log_tail());
  REQUIRE(prom.wait_ready(30s));
  // Load while Prometheus scrapes every second, until a 10 s rate of acked
  // commands is non-zero (it needs two scrapes that saw commands).
  int jobs = 0;
  std::vector<double> rate;
  auto seen = wait_until(
      [&] {
        f.run(sim::make_job("prom-" + std::to_string(jobs++), f.all_esls(), 40));
        rate = prom.values("sum(rate(shelfwire_commands_total{outcome=\"acked\"}[10s]))");
        return !rate.empty() && rate.front() > 0;
      },
      60s);
  INFO("jobs run: " << jobs);
  REQUIRE(seen);
  // The scrape works (with the bearer token) and every kind of series arrived.
  auto up = prom.values("up{job=\"shelfwire\"}");
  REQUIRE(up.size() == 1);
  CHECK(up.front() == 1);
  auto series = prom.values("count({__name__=~\"shelfwire_.+\"})");
  REQUIRE(series.size() == 1);
  CHECK(series.front() >= 200);
  CHECK_FALSE(prom.values("shelfwire_latency_backbone_seconds_bucket").empty());
  CHECK_FALSE(prom.values("shelfwire_gw_window").empty());
  auto p99 = prom.values("histogram_quantile(0.99, sum by (le) "
                         "(rate(shelfwire_latency_backbone_seconds_bucket[30s])))");
  REQUIRE(p99.size() == 1);
  CHECK(p99.front() > 0);
  CHECK(p99.front() < 5);
  auto ready = prom.values("shelfwire_node_ready");
  REQUIRE(ready.size() == 1);
  CHECK(ready.front() == 1);
}
