// The node's HTTP endpoint (metrics.listen): /metrics in Prometheus text
// format with every catalog metric it exports, /healthz, /readyz flipping
// with the broker and Redis, the bearer token.

#include <set>
#include <sstream>

#include "runtime/metrics/catalog.hpp"
#include "sim/producer/job_client.hpp"
#include "tests/integration/node/node_fixture.hpp"
#include "tests/support/http.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

void with_endpoint(node_options& o, uint16_t port, const std::string& token = {}) {
  o.metrics_listen = "127.0.0.1:" + std::to_string(port);
  o.metrics_token = token;
}

/// The value of the sample line `series` ("name{labels}") in a scrape, or -1.
double sample_value(const std::string& text, const std::string& series) {
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    if (l.rfind(series + " ", 0) == 0)
      return std::stod(l.substr(series.size() + 1));
  return -1;
}

} // namespace

TEST_CASE("/metrics: every exported family is in the catalog, with the node's numbers", "[ops]") {
  auto port = sim::free_port();
  node_fixture f{2, 40, 1, [&](node_options& o) { with_endpoint(o, port); }};
  REQUIRE(f.n->metrics_port() == port);
  auto r = f.run(sim::make_job("scraped", f.all_esls(), 40));
  auto m = http_get(port, "/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.headers.find("text/plain; version=0.0.4") != std::string::npos);
  // Every family the node exports is declared (and so documented in docs/metrics.md).
  std::set<std::string> declared;
  for (auto& d : metrics::node_catalog())
    declared.insert(metrics::prometheus_name(d));
  std::istringstream in{m.body};
  size_t families = 0;
  for (std::string l; std::getline(in, l);)
    if (l.rfind("# TYPE ", 0) == 0) {
      auto name = l.substr(7, l.find(' ', 7) - 7);
      INFO(name);
      CHECK(declared.count(name) == 1);
      ++families;
    }
  CHECK(families >= 100);
  // The numbers are the node's.
  CHECK(sample_value(m.body, "shelfwire_commands_total{outcome=\"acked\"}") == 40);
  CHECK(sample_value(m.body, "shelfwire_commands_accepted_total") == 40);
  CHECK(sample_value(m.body, "shelfwire_latency_backbone_seconds_count") == 40);
  CHECK(sample_value(m.body, "shelfwire_mqtt_up{client=\"egress\"}") == 1);
  CHECK(sample_value(m.body, "shelfwire_node_ready") == 1);
  CHECK(sample_value(m.body, "shelfwire_actors{kind=\"routers\"}") == 2);
  CHECK(sample_value(m.body, "shelfwire_actors_running") > 5);
  // Per gateway: the window and the breaker state of each gateway it sent to.
  for (auto& gw : f.store.gateways) {
    INFO(gw.to_string());
    CHECK(sample_value(m.body, "shelfwire_gw_window{gw=\"" + gw.to_string() + "\"}") > 0);
    CHECK(sample_value(m.body,
                       "shelfwire_gw_breaker{gw=\"" + gw.to_string() + "\",state=\"up\"}") == 1);
  }
  auto h = http_get(port, "/healthz");
  CHECK(h.status == 200);
  CHECK(h.body.find("\"alive\":true") != std::string::npos);
  CHECK(http_get(port, "/nope").status == 404);
}

TEST_CASE("/readyz: 503 naming the broker while it is down, 200 when it is back", "[ops]") {
  auto port = sim::free_port();
  node_fixture f{1, 4, 0, [&](node_options& o) { with_endpoint(o, port); }};
  auto ready = http_get(port, "/readyz");
  REQUIRE(ready.status == 200);
  CHECK(ready.body.find("\"ready\":true") != std::string::npos);
  f.broker.stop();
  http_reply down;
  REQUIRE(wait_until(
      [&] {
        down = http_get(port, "/readyz");
        return down.status == 503;
      },
      10s));
  CHECK(down.body.find("\"ready\":false") != std::string::npos);
  CHECK(down.body.find("mqtt: connection 'egress' not up and subscribed") != std::string::npos);
  CHECK(http_get(port, "/healthz").status == 200); // alive all the same
  f.broker.start();
  REQUIRE(wait_until([&] { return http_get(port, "/readyz").status == 200; }, 20s));
  // And Redis.
  f.redis.stop();
  http_reply no_redis;
  REQUIRE(wait_until(
      [&] {
        no_redis = http_get(port, "/readyz");
        return no_redis.status == 503;
      },
      10s));
  CHECK(no_redis.body.find("redis: no answer to PING") != std::string::npos);
  f.redis.start();
  REQUIRE(wait_until([&] { return http_get(port, "/readyz").status == 200; }, 20s));
  // A stopping node is not ready (it drains and takes no new work).
  f.n->stop();
  CHECK(http_get(port, "/readyz").status == 0); // and it no longer listens
}

TEST_CASE("metrics.token: every path asks for the bearer token; refusals are counted", "[ops]") {
  auto port = sim::free_port();
  const std::string token = "scrape-s3cret";
  node_fixture f{1, 4, 0, [&](node_options& o) { with_endpoint(o, port, token); }};
  for (auto path : {"/metrics", "/healthz", "/readyz"}) {
    INFO(path);
    auto none = http_get(port, path);
    CHECK(none.status == 401);
    CHECK(none.headers.find("WWW-Authenticate: Bearer") != std::string::npos);
    CHECK(http_get(port, path, "wrong").status == 401);
    CHECK(http_get(port, path, token).status == 200);
  }
  auto m = http_get(port, "/metrics", token);
  CHECK(sample_value(m.body, "shelfwire_http_unauthorized_total") == 6);
  CHECK(m.body.find(token) == std::string::npos);
}
