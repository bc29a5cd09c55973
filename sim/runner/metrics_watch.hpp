#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"

namespace shelfwire::sim {

/// Follows the metrics snapshots nodes publish on `{topic}/{node}` (retained
/// JSON, see actors/node/metrics_reporter) and keeps the latest per node
/// (also after a clean exit, which clears the retained one: what the run saw
/// last).
class metrics_watch {
public:
  metrics_watch(mqtt::client_options opts, std::string topic, metrics::registry& reg);
  ~metrics_watch();

  bool start();
  bool wait_ready(std::chrono::milliseconds timeout);

  /// Nodes seen so far.
  size_t nodes() const;
  /// A counter or gauge of one node's latest snapshot (0 if unknown).
  int64_t value(const std::string& node, std::string_view name) const;
  /// The sum over all nodes.
  int64_t sum(std::string_view name) const;
  /// The latest raw snapshot of a node.
  std::string snapshot(const std::string& node) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The number after `"name":` in a JSON text (first occurrence), if any.
/// Enough for our flat metric snapshots; not a JSON parser.
bool json_number(std::string_view json, std::string_view name, double& out);

} // namespace shelfwire::sim
