#include "runtime/metrics/prometheus/exposition.hpp"

#include <limits>
#include <map>
#include <sstream>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace shelfwire::metrics {

namespace {

prometheus::MetricType type_of(metric_kind k) {
  switch (k) {
  case metric_kind::counter:
    return prometheus::MetricType::Counter;
  case metric_kind::gauge:
    return prometheus::MetricType::Gauge;
  default:
    return prometheus::MetricType::Histogram;
  }
}

std::vector<prometheus::ClientMetric::Label> to_labels(const label_list& l) {
  std::vector<prometheus::ClientMetric::Label> out;
  for (auto& [k, v] : l)
    out.push_back({k, v});
  return out;
}

prometheus::ClientMetric::Histogram to_histogram(const histogram_snapshot& s) {
  prometheus::ClientMetric::Histogram h;
  h.sample_count = s.count;
  h.sample_sum = static_cast<double>(s.sum) / 1e6;
  size_t idx = 0;
  uint64_t below = 0;
  for (double bound_s : prometheus_bucket_bounds_s()) {
    auto bound_us = static_cast<uint64_t>(bound_s * 1e6 + 0.5);
    // Our buckets [lower, lower + width) that lie wholly at or below the bound.
    while (idx < s.buckets.size() &&
           histogram::lower_bound_of(idx) + histogram::width_of(idx) - 1 <= bound_us)
      below += s.buckets[idx++];
    h.bucket.push_back({below, bound_s});
  }
  h.bucket.push_back({s.count, std::numeric_limits<double>::infinity()});
  return h;
}

/// The families, in catalog order, filled as metrics arrive.
struct families {
  std::map<const metric_def*, prometheus::MetricFamily> by_def;

  prometheus::MetricFamily& of(const metric_def* d) {
    auto& f = by_def[d];
    if (f.name.empty()) {
      f.name = prometheus_name(*d);
      f.help = std::string{d->help} + " (" + std::string{d->unit} + ")";
      f.type = type_of(d->kind);
    }
    return f;
  }

  void add(const metric_def* d, const label_list& labels, double v) {
    prometheus::ClientMetric m;
    m.label = to_labels(labels);
    if (d->kind == metric_kind::counter)
      m.counter.value = v;
    else
      m.gauge.value = v;
    of(d).metric.push_back(std::move(m));
  }

  std::vector<prometheus::MetricFamily> in_catalog_order() {
    std::vector<prometheus::MetricFamily> out;
    for (auto& d : node_catalog())
      if (auto i = by_def.find(&d); i != by_def.end())
        out.push_back(std::move(i->second));
    return out;
  }
};

} // namespace

const std::vector<double>& prometheus_bucket_bounds_s() {
  static const std::vector<double> bounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    120,  300,
  };
  return bounds;
}

std::string prometheus_text(const registry& reg, const std::vector<sample>& extra) {
  families fams;
  reg.for_each_value([&](const std::string& name, int64_t v) {
    if (auto m = find_metric(name); m && m->def->source == metric_source::registry)
      fams.add(m->def, m->labels, static_cast<double>(v));
  });
  reg.for_each_histogram([&](const std::string& name, const histogram_snapshot& s) {
    auto m = find_metric(name);
    if (!m || m->def->kind != metric_kind::histogram)
      return;
    prometheus::ClientMetric cm;
    cm.label = to_labels(m->labels);
    cm.histogram = to_histogram(s);
    fams.of(m->def).metric.push_back(std::move(cm));
  });
  for (auto& s : extra)
    if (s.def)
      fams.add(s.def, s.labels, s.value);
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, fams.in_catalog_order());
  return out.str();
}

} // namespace shelfwire::metrics
