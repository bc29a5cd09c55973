#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "runtime/cluster/presence.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"

namespace shelfwire::sim {

/// Follows the nodes' presence on `{topic}/+` (retained JSON, see
/// runtime/cluster/presence.hpp and docs/operations.md "Node presence") and
/// keeps the latest per node, as the broker shows it. Thread-safe.
class presence_watch {
public:
  using entry = cluster::presence_book::entry;

  presence_watch(mqtt::client_options opts, std::string topic, metrics::registry& reg);
  ~presence_watch();

  bool start();
  bool wait_ready(std::chrono::milliseconds timeout);

  /// The latest presence of `node`, if any.
  std::optional<entry> get(const std::string& node) const;
  /// Every node seen, by name.
  std::map<std::string, entry> all() const;
  /// True if `node`'s presence is `state` (and, if not empty, `reason`) of
  /// incarnation `incarnation` (0: any).
  bool is(const std::string& node, cluster::presence_state state, const std::string& reason = {},
          uint64_t incarnation = 0) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire::sim
