#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/redis/connection.hpp"
#include "runtime/routing/route.hpp"
#include "runtime/routing/route_table_options.hpp"
#include "runtime/wire/contract.hpp"

namespace shelfwire::routing {

/// One gateway's adverts to apply (a decoded status message).
struct status_update {
  gw_mac gw;
  std::vector<wire::advert> adverts;
};

/// The RSSI routing table in Redis — the only thing shelfwire keeps there.
/// Data model in docs/routing-table.md. Every decision (thesis rule, runner-up
/// pruning, staleness) happens server-side in Lua scripts, atomically, with
/// Redis' clock: two consumers racing on one ESL cannot lose the better route.
///
/// Not thread-safe: one route_table per connection, used by one thread.
class route_table {
public:
  route_table(redis::connection& conn, route_table_options opts);

  /// Applies many status updates in one pipeline (one EVALSHA per update,
  /// chunked so that no single script call holds Redis for long). Loads the
  /// scripts on first use and again after NOSCRIPT (Redis restarted).
  redis::errc apply(const std::vector<status_update>& updates);

  /// Looks up many ESLs in one script call. `out[i]` answers `esls[i]`;
  /// candidates are fresh only, preferred first.
  redis::errc lookup(const std::vector<esl_mac>& esls, std::vector<route>& out);

  /// Deletes every key of this table (tests, `shelfwire-node --reset-routes`).
  redis::errc clear();

  const route_table_options& options() const;

private:
  redis::errc ensure_scripts();
  redis::connection& conn_;
  route_table_options opts_;
  std::string update_sha_;
  std::string lookup_sha_;
};

} // namespace shelfwire::routing
