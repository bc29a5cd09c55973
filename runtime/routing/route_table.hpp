#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/log/throttle.hpp"
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

/// What one route_table did since it was built (for tests and metrics).
struct route_table_stats {
  uint64_t adverts_applied = 0;   ///< adverts sent in script calls that succeeded
  uint64_t preferred_changes = 0; ///< ESLs whose preferred gateway changed (incl. first set)
  uint64_t script_calls = 0;      ///< EVALSHA calls sent (update and lookup)
  uint64_t script_loads = 0;      ///< SCRIPT LOAD rounds (first use, then after NOSCRIPT)
  uint64_t server_errors = 0;     ///< script calls answered with an error other than NOSCRIPT
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
  /// Returns the connection's errc if the round trip failed (some calls may
  /// have been applied: re-applying status is harmless), `server_error` if
  /// a script call failed (the other calls of the pipeline still applied).
  redis::errc apply(const std::vector<status_update>& updates);

  /// Looks up many ESLs in one script call (chunked like apply). `out[i]`
  /// answers `esls[i]`; candidates are fresh only, preferred first. On any
  /// error `out` is empty.
  redis::errc lookup(const std::vector<esl_mac>& esls, std::vector<route>& out);

  /// Whether the table was being rebuilt at the last successful lookup:
  /// nothing written since Redis lost it (restart, flush), or first written
  /// less than `warmup_ms` ago. A missing route then means "not reported
  /// yet", not "nobody hears this ESL". See docs/routing-table.md.
  bool warming() const;

  /// The table's age (ms since its first write after Redis last lost it)
  /// seen by the last successful lookup; -1: not written since.
  int64_t last_table_age_ms() const { return last_table_age_ms_; }

  /// Deletes every key of this table (tests, `shelfwire-node --reset-routes`).
  redis::errc clear();

  const route_table_options& options() const;

  /// Counters since construction.
  const route_table_stats& stats() const { return stats_; }

  /// The Redis key of one ESL: `{key_prefix}:rt:{ESL}`.
  std::string key_of(esl_mac esl) const;

private:
  redis::errc ensure_scripts();
  redis::errc load_scripts();
  redis::errc run_scripts(std::vector<redis::command>& cmds, std::vector<redis::reply>& replies);
  redis::connection& conn_;
  route_table_options opts_;
  std::string update_sha_;
  std::string lookup_sha_;
  std::string key_base_; ///< "{key_prefix}:rt:"
  std::string born_key_; ///< "{key_prefix}:rt-born": when the table was first written
  int64_t last_table_age_ms_ = -1;
  route_table_stats stats_;
  log::throttle error_log_{1};
};

} // namespace shelfwire::routing
