// The Prometheus text exposition of a registry.

#include <catch2/catch.hpp>

#include <sstream>

#include "runtime/metrics/prometheus/exposition.hpp"

using namespace shelfwire::metrics;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (auto& l : lines_of(text))
    if (l == line)
      return true;
  return false;
}

} // namespace

TEST_CASE("exposition: counters, gauges and labels with HELP and TYPE") {
  registry reg{check_declared};
  reg.get_counter("commands.accepted").inc(7);
  reg.get_counter("outcomes.acked").inc(5);
  reg.get_counter("outcomes.nacked").inc(2);
  reg.get_gauge("mqtt.egress.up").set(1);
  reg.get_gauge("redis.router0.up").set(0);
  auto text = prometheus_text(reg, {});
  CHECK(has_line(text, "# TYPE shelfwire_commands_accepted_total counter"));
  CHECK(has_line(text, "shelfwire_commands_accepted_total 7"));
  CHECK(has_line(text, "# TYPE shelfwire_commands_total counter"));
  CHECK(has_line(text, "shelfwire_commands_total{outcome=\"acked\"} 5"));
  CHECK(has_line(text, "shelfwire_commands_total{outcome=\"nacked\"} 2"));
  CHECK(has_line(text, "shelfwire_mqtt_up{client=\"egress\"} 1"));
  CHECK(has_line(text, "shelfwire_redis_up{connection=\"router0\"} 0"));
  CHECK(text.find("# HELP shelfwire_commands_total Commands ended, by outcome") !=
        std::string::npos);
  // One HELP and one TYPE per family.
  size_t types = 0;
  for (auto& l : lines_of(text))
    types += l.rfind("# TYPE shelfwire_commands_total ", 0) == 0;
  CHECK(types == 1);
}

TEST_CASE("exposition: histograms in seconds, cumulative buckets, +Inf is the count") {
  registry reg{check_declared};
  auto& h = reg.get_histogram("latency.backbone_us");
  h.record(800);       // 0.8 ms
  h.record(3'000);     // 3 ms
  h.record(40'000);    // 40 ms
  h.record(9'000'000); // 9 s
  auto text = prometheus_text(reg, {});
  CHECK(has_line(text, "# TYPE shelfwire_latency_backbone_seconds histogram"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_count 4"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"0.0005\"} 0"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"0.001\"} 1"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"0.005\"} 2"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"0.05\"} 3"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"5\"} 3"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"10\"} 4"));
  CHECK(has_line(text, "shelfwire_latency_backbone_seconds_bucket{le=\"+Inf\"} 4"));
  // The sum in seconds: 9.0438 s.
  bool sum_ok = false;
  for (auto& l : lines_of(text))
    if (l.rfind("shelfwire_latency_backbone_seconds_sum ", 0) == 0)
      sum_ok = std::abs(std::stod(l.substr(l.find(' ') + 1)) - 9.0438) < 1e-9;
  CHECK(sum_ok);
  // Buckets never decrease.
  uint64_t last = 0;
  for (auto& l : lines_of(text))
    if (l.rfind("shelfwire_latency_backbone_seconds_bucket", 0) == 0) {
      auto v = std::stoull(l.substr(l.rfind(' ') + 1));
      CHECK(v >= last);
      last = v;
    }
}

TEST_CASE("exposition: scrape-time samples and undeclared registry metrics") {
  registry plain; // a registry that takes anything: undeclared names are left out
  plain.get_counter("emu.actions").inc();
  plain.get_counter("replies.crossed").inc(3);
  std::vector<sample> extra = {
      {find_def("gw.{gw}.window"), {{"gw", "aa:bb:cc:dd:ee:01"}}, 12.5},
      {find_def("gw.{gw}.breaker"), {{"gw", "aa:bb:cc:dd:ee:01"}, {"state", "down"}}, 1},
      {find_def("node.info"), {{"node", "store \"17\""}, {"incarnation", "00ff"}}, 1},
      {nullptr, {}, 5}, // ignored
  };
  auto text = prometheus_text(plain, extra);
  CHECK(text.find("emu") == std::string::npos);
  CHECK(has_line(text, "shelfwire_replies_crossed_total 3"));
  CHECK(has_line(text, "shelfwire_gw_window{gw=\"aa:bb:cc:dd:ee:01\"} 12.5"));
  CHECK(has_line(text, "shelfwire_gw_breaker{gw=\"aa:bb:cc:dd:ee:01\",state=\"down\"} 1"));
  // Label values are escaped.
  CHECK(has_line(text, "shelfwire_node_info{node=\"store \\\"17\\\"\",incarnation=\"00ff\"} 1"));
}
