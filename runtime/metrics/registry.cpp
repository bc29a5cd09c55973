#include "runtime/metrics/registry.hpp"

#include "runtime/core/json_writer.hpp"

namespace shelfwire::metrics {

namespace {

template <class T, class Map>
T& get_or_add(Map& m, std::string_view name) {
  auto i = m.find(name);
  if (i == m.end())
    i = m.emplace(std::string{name}, std::make_unique<T>()).first;
  return *i->second;
}

} // namespace

counter& registry::get_counter(std::string_view name) {
  if (check_)
    check_(name, metric_kind::counter);
  std::lock_guard<std::mutex> guard{mtx_};
  return get_or_add<counter>(counters_, name);
}

gauge& registry::get_gauge(std::string_view name) {
  if (check_)
    check_(name, metric_kind::gauge);
  std::lock_guard<std::mutex> guard{mtx_};
  return get_or_add<gauge>(gauges_, name);
}

histogram& registry::get_histogram(std::string_view name) {
  if (check_)
    check_(name, metric_kind::histogram);
  std::lock_guard<std::mutex> guard{mtx_};
  return get_or_add<histogram>(histograms_, name);
}

uint64_t registry::counter_value(std::string_view name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = counters_.find(name);
  return i == counters_.end() ? 0 : i->second->value();
}

std::string registry::to_json() const {
  json_writer w;
  std::lock_guard<std::mutex> guard{mtx_};
  w.begin_object();
  w.key("counters").begin_object();
  for (auto& [k, v] : counters_)
    w.field(k, v->value());
  w.end_object();
  w.key("gauges").begin_object();
  for (auto& [k, v] : gauges_)
    w.field(k, v->value());
  w.end_object();
  w.key("histograms").begin_object();
  for (auto& [k, v] : histograms_) {
    auto s = v->snapshot();
    w.key(k).begin_object();
    w.field("count", s.count);
    w.field("mean", s.mean());
    w.field("p50", s.percentile(0.50));
    w.field("p90", s.percentile(0.90));
    w.field("p99", s.percentile(0.99));
    w.field("max", s.max);
    w.end_object();
  }
  w.end_object();
  w.end_object();
  return w.take();
}

} // namespace shelfwire::metrics
