#pragma once

#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages/messages.hpp"
#include "actors/node/node_context.hpp"
#include "runtime/log/throttle.hpp"
#include "runtime/redis/connection.hpp"
#include "runtime/routing/advert_backlog.hpp"
#include "runtime/routing/route_table.hpp"

namespace shelfwire {

/// The routing manager's worker: takes gateway status messages (shared
/// subscription `$share/{group}/{prefix}/+/status`, QoS 0), decodes them and
/// writes the adverts to the RSSI table in batches (`routing.batch-max-adverts`
/// or every `routing.flush-interval-ms`). While Redis cannot be reached, the
/// adverts are kept (at most `routing.outage-buffer-adverts`, none older than
/// `routing.stale-after-ms`) and written when it returns, retried every
/// `routing.outage-retry-ms`: a table Redis lost is rebuilt at once.
///
/// Owns one Redis connection; runs **detached** (own thread) because hiredis
/// calls block. Several may run per node and across nodes.
struct status_consumer_state {
  static inline const char* name = "shelfwire.status_consumer";

  node_context_ptr ctx;
  std::unique_ptr<redis::connection> conn;
  std::unique_ptr<routing::route_table> table;
  std::unique_ptr<routing::advert_backlog> backlog;
  int64_t backlog_reported = 0; ///< this consumer's share of status.backlog_adverts
  std::vector<routing::status_update> batch;
  size_t batch_adverts = 0;
  bool flush_scheduled = false;
  log::throttle malformed_log;
  log::throttle redis_log{1};
};

caf::behavior status_consumer(caf::stateful_actor<status_consumer_state>* self,
                              node_context_ptr ctx);

} // namespace shelfwire
