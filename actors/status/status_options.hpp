#pragma once

#include <string>

namespace shelfwire {

/// Status consumers (the routing manager): gateway status -> RSSI table.
/// Keys `routing.*` (they configure the table the status feeds, too).
struct status_options {
  /// Consume gateway status on this node.
  bool consume = true;
  /// MQTT connections (each with its own consumer actor) in the shared group.
  int consumers = 1;
  /// Shared-subscription group: `$share/{group}/{prefix}/+/status`.
  std::string share_group = "shelfwire-routing";
  /// Flush to Redis when this many adverts are buffered ...
  int batch_max_adverts = 5'000;
  /// ... or when the oldest buffered advert is this old.
  int flush_interval_ms = 20;
  /// Adverts kept while Redis is unreachable, written when it returns.
  int outage_buffer_adverts = 500'000;
  /// How often a consumer holding kept adverts tries Redis again.
  int outage_retry_ms = 500;
};

} // namespace shelfwire
