#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shelfwire::metrics {

enum class metric_kind { counter, gauge, histogram };

std::string_view to_string(metric_kind k);

/// Where a metric's value comes from.
enum class metric_source {
  registry, ///< a counter, gauge or histogram of the node's registry (and its JSON snapshot)
  scrape,   ///< computed when /metrics is read (gateway windows, actors, readiness)
};

/// One metric of a node, declared once: the registry, the JSON snapshot, the
/// inspector, /metrics and docs/metrics.md all take it from here.
///
/// `name` is the dotted snapshot name; a segment `{label}` stands for any
/// one segment and becomes a Prometheus label ("mqtt.{client}.up" matches
/// "mqtt.egress.up" with client="egress"). Histograms are recorded in
/// microseconds (names end in `_us`) and exported in seconds.
struct metric_def {
  std::string_view name;
  metric_kind kind;
  std::string_view unit; ///< what one unit counts ("commands", "seconds", "1" for 0/1 states)
  std::string_view help;
  metric_source source = metric_source::registry;
  std::string_view extra_labels = {}; ///< labels the collector adds (not from the name)
};

using label_list = std::vector<std::pair<std::string, std::string>>;

/// Every metric of a node, in documentation order.
const std::vector<metric_def>& node_catalog();

/// The catalog entry of `dotted` ("outcomes.acked") and its label values.
struct catalog_match {
  const metric_def* def = nullptr;
  label_list labels;
};
std::optional<catalog_match> find_metric(std::string_view dotted);

/// The entry named exactly `pattern` ("gw.{gw}.window"); nullptr if none.
const metric_def* find_def(std::string_view pattern);

/// The Prometheus family name: "shelfwire_" + the name without its label
/// segments, dots as underscores; histograms' "_us" becomes "_seconds",
/// counters end in "_total" ("mqtt.{client}.published" ->
/// "shelfwire_mqtt_published_total"; "outcomes.{outcome}" ->
/// "shelfwire_commands_total", the one renamed family).
std::string prometheus_name(const metric_def& d);

/// The label names of an entry: those of its name, then its extra labels.
std::vector<std::string> label_names(const metric_def& d);

/// Throws std::logic_error unless `dotted` is in the catalog as a registry
/// metric of kind `k`: a node's registry calls it for every metric it
/// creates, so an undeclared metric fails the first test that makes it.
void check_declared(std::string_view dotted, metric_kind k);

/// docs/metrics.md (generated: shelfwire-config-reference metrics).
std::string catalog_markdown();

} // namespace shelfwire::metrics
