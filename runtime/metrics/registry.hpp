#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/metrics/catalog.hpp"
#include "runtime/metrics/counter.hpp"
#include "runtime/metrics/histogram.hpp"

namespace shelfwire::metrics {

/// The named metrics of one node. Components ask for their metrics once at
/// construction (names are dotted: "mqtt.egress.published") and keep the
/// returned references; updating them is lock-free. Asking twice for the
/// same name returns the same metric.
class registry {
public:
  /// Called with every name and kind before a metric is created; throws to
  /// refuse it (a node passes metrics::check_declared: only catalog metrics).
  using declare_check = void (*)(std::string_view name, metric_kind kind);

  explicit registry(declare_check check = nullptr)
      : check_(check) {}

  counter& get_counter(std::string_view name);
  gauge& get_gauge(std::string_view name);
  histogram& get_histogram(std::string_view name);

  /// Current value of a counter, 0 if it does not exist.
  uint64_t counter_value(std::string_view name) const;

  /// A JSON object: {"counters":{..},"gauges":{..},"histograms":{name:
  /// {"count","mean","p50","p90","p99","max"}}}.
  std::string to_json() const;

  /// Visits every counter and gauge (name, value) in name order.
  template <class F>
  void for_each_value(F&& f) const {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [k, v] : counters_)
      f(k, static_cast<int64_t>(v->value()));
    for (auto& [k, v] : gauges_)
      f(k, v->value());
  }

  /// Visits every histogram (name, snapshot) in name order.
  template <class F>
  void for_each_histogram(F&& f) const {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [k, v] : histograms_)
      f(k, v->snapshot());
  }

private:
  declare_check check_;
  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<counter>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<gauge>, std::less<>> gauges_;
  std::map<std::string, std::unique_ptr<histogram>, std::less<>> histograms_;
};

} // namespace shelfwire::metrics
