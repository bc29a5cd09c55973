#pragma once

#include <string>
#include <vector>

#include "runtime/metrics/catalog.hpp"
#include "runtime/metrics/registry.hpp"

namespace shelfwire::metrics {

/// One value computed at scrape time (a catalog entry of source `scrape`).
struct sample {
  const metric_def* def = nullptr;
  label_list labels; ///< in label_names(*def) order
  double value = 0;
};

/// The upper bounds (seconds) of the Prometheus buckets our microsecond
/// histograms are folded into (each of ours falls wholly below a bound or
/// not: counts are exact up to our bucket resolution, ~3 %).
const std::vector<double>& prometheus_bucket_bounds_s();

/// The Prometheus text exposition (format 0.0.4) of every metric of `reg`
/// that the catalog declares (others are left out) and of `extra`, one
/// family per catalog entry, in catalog order, with its HELP and TYPE.
/// Uses prometheus-cpp's data model and TextSerializer.
std::string prometheus_text(const registry& reg, const std::vector<sample>& extra);

} // namespace shelfwire::metrics
