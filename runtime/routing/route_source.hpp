#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/redis/connection.hpp"
#include "runtime/routing/route.hpp"
#include "runtime/routing/route_table_options.hpp"

namespace shelfwire::routing {

/// Where a router reads routes: the RSSI table in Redis (redis_route_source)
/// or, in tests, a fake. Used by one thread at a time.
class route_source {
public:
  virtual ~route_source() = default;
  /// Looks up many ESLs at once: `out[i]` answers `esls[i]`, fresh
  /// candidates only, preferred first. On any error `out` is empty.
  virtual redis::errc lookup(const std::vector<esl_mac>& esls, std::vector<route>& out) = 0;
  /// Whether the table was being rebuilt at the last successful lookup
  /// (Redis lost it recently): an ESL without a route then waits and asks
  /// again instead of ending `unroutable`.
  virtual bool warming() const = 0;
  /// Whether the source is reachable now (for the inspector).
  virtual bool connected() const = 0;
};

/// The RSSI table in Redis over a connection of its own (metrics under
/// `metric_prefix`, e.g. "redis.router0"). Connects lazily.
std::unique_ptr<route_source> make_redis_route_source(const redis::connection_options& redis,
                                                      const route_table_options& table,
                                                      metrics::registry& reg,
                                                      const std::string& metric_prefix);

} // namespace shelfwire::routing
