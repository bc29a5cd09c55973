// The metric catalog: names, Prometheus rules, strict registries, the
// generated docs/metrics.md and the Grafana dashboard's queries.

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "runtime/core/json_reader.hpp"
#include "runtime/metrics/catalog.hpp"
#include "runtime/metrics/registry.hpp"

using namespace shelfwire;
using namespace shelfwire::metrics;

namespace {

std::string read_source(const std::string& rel) {
  std::ifstream f{std::string{SHELFWIRE_SOURCE_DIR} + "/" + rel, std::ios::binary};
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::set<std::string> family_names() {
  std::set<std::string> out;
  for (auto& d : node_catalog())
    out.insert(prometheus_name(d));
  return out;
}

/// Every expression of a Grafana dashboard (panels, rows' panels, variables).
void collect_exprs(const json_value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (auto& [k, x] : v.object) {
      if ((k == "expr" || k == "query" || k == "definition") && x.is_string())
        out.push_back(x.text);
      collect_exprs(x, out);
    }
  } else if (v.is_array()) {
    for (auto& x : v.array)
      collect_exprs(x, out);
  }
}

} // namespace

TEST_CASE("catalog: every family follows Prometheus' naming rules, once") {
  std::regex valid{"shelfwire_[a-z][a-z0-9_]*"};
  std::set<std::string> seen;
  for (auto& d : node_catalog()) {
    auto name = prometheus_name(d);
    INFO(d.name << " -> " << name);
    CHECK(std::regex_match(name, valid));
    CHECK(seen.insert(name).second); // one family per entry
    CHECK_FALSE(d.help.empty());
    CHECK_FALSE(d.unit.empty());
    if (d.kind == metric_kind::counter)
      CHECK(name.size() > 6);
    if (d.kind == metric_kind::counter)
      CHECK(name.substr(name.size() - 6) == "_total");
    else
      CHECK(name.find("_total") == std::string::npos);
    if (d.kind == metric_kind::histogram) {
      CHECK(name.substr(name.size() - 8) == "_seconds");
      CHECK(d.unit == "seconds");
    }
    for (auto& l : label_names(d)) {
      CHECK(std::regex_match(l, std::regex{"[a-z][a-z_]*"}));
      CHECK(l != "le"); // reserved for histogram buckets
      CHECK(l != "instance");
      CHECK(l != "job"); // Prometheus' own target labels
    }
  }
}

TEST_CASE("catalog: dotted names map to families and labels") {
  auto m = find_metric("outcomes.timed_out");
  REQUIRE(m);
  CHECK(prometheus_name(*m->def) == "shelfwire_commands_total");
  CHECK(m->labels == label_list{{"outcome", "timed_out"}});
  m = find_metric("mqtt.responses0.received");
  REQUIRE(m);
  CHECK(prometheus_name(*m->def) == "shelfwire_mqtt_received_total");
  CHECK(m->labels == label_list{{"client", "responses0"}});
  m = find_metric("latency.backbone_us");
  REQUIRE(m);
  CHECK(prometheus_name(*m->def) == "shelfwire_latency_backbone_seconds");
  CHECK(prometheus_name(*find_def("redis.{connection}.up")) == "shelfwire_redis_up");
  CHECK(label_names(*find_def("gw.{gw}.breaker")) == std::vector<std::string>{"gw", "state"});
  CHECK(label_names(*find_def("node.info")) == std::vector<std::string>{"node", "incarnation"});
  CHECK_FALSE(find_metric("commands.no_such_thing"));
  CHECK_FALSE(find_metric("mqtt..up"));
  CHECK_FALSE(find_metric("outcomes"));
}

TEST_CASE("catalog: a strict registry refuses undeclared metrics and wrong kinds") {
  registry strict{check_declared};
  CHECK_NOTHROW(strict.get_counter("commands.accepted"));
  CHECK_NOTHROW(strict.get_gauge("mqtt.egress.up"));
  CHECK_NOTHROW(strict.get_histogram("cluster.hop_us"));
  CHECK_THROWS_WITH(strict.get_counter("commands.invented"),
                    Catch::Contains("not declared in runtime/metrics/catalog.cpp"));
  CHECK_THROWS_WITH(strict.get_gauge("commands.accepted"),
                    Catch::Contains("declared as a counter, used as a gauge"));
  // Scrape-time metrics are not registry metrics.
  CHECK_THROWS(strict.get_gauge("gw.aa:bb:cc:dd:ee:ff.window"));
  // A plain registry (tools, the emulator) takes anything.
  registry plain;
  CHECK_NOTHROW(plain.get_counter("emu.actions"));
}

TEST_CASE("catalog: docs/metrics.md carries the generated table, unchanged") {
  auto doc = read_source("docs/metrics.md");
  std::string begin = "<!-- BEGIN GENERATED METRICS (shelfwire-config-reference metrics) -->\n";
  std::string end = "<!-- END GENERATED METRICS -->";
  auto b = doc.find(begin);
  auto e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  auto table = doc.substr(b + begin.size(), e - b - begin.size());
  INFO("regenerate: shelfwire-config-reference metrics, between the markers of docs/metrics.md");
  CHECK(table == catalog_markdown());
  for (auto& d : node_catalog())
    CHECK(doc.find("`" + prometheus_name(d) + "`") != std::string::npos);
}

TEST_CASE("catalog: every query of the Grafana dashboard names an existing metric") {
  std::string error;
  auto dash = json_parser::parse(read_source("docs/grafana/shelfwire-dashboard.json"), &error);
  INFO(error);
  REQUIRE(dash);
  std::vector<std::string> exprs;
  collect_exprs(*dash, exprs);
  REQUIRE(exprs.size() >= 30);
  auto families = family_names();
  std::regex metric{"shelfwire_[a-z0-9_]+"};
  size_t names = 0;
  std::set<std::string> used;
  for (auto& e : exprs) {
    for (auto it = std::sregex_iterator(e.begin(), e.end(), metric); it != std::sregex_iterator();
         ++it) {
      auto name = it->str();
      INFO(e);
      INFO(name);
      auto family = name;
      for (std::string suffix : {"_bucket", "_sum", "_count"})
        if (!families.count(family) && family.size() > suffix.size() &&
            family.substr(family.size() - suffix.size()) == suffix)
          family = family.substr(0, family.size() - suffix.size());
      CHECK(families.count(family) == 1);
      used.insert(family);
      ++names;
    }
  }
  CHECK(names >= exprs.size());
  // The panels an on-call engineer needs are there.
  for (std::string f :
       {"shelfwire_commands_total", "shelfwire_latency_backbone_seconds", "shelfwire_gw_window",
        "shelfwire_gw_breaker", "shelfwire_cluster_members", "shelfwire_mqtt_up",
        "shelfwire_redis_up", "shelfwire_replies_malformed_total",
        "shelfwire_status_malformed_total", "shelfwire_node_ready"})
    CHECK(used.count(f) == 1);
}
