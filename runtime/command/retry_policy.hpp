#pragma once

#include <cstdint>
#include <vector>

namespace shelfwire {

/// How a command retries. Keys `commands.*` in the node config.
struct retry_policy {
  /// Actions published for one command, at most (first try included).
  int max_attempts = 3;
  /// How long one attempt waits for the gateway's answer; also the `ttl`
  /// the gateway receives.
  int64_t attempt_timeout_ms = 5'000;
  /// Overall deadline from acceptance to outcome: 3 minutes by default (key
  /// `commands.timeout-ms`, docs/configuration.md).
  int64_t timeout_ms = 180'000;
  /// When every fresh candidate was tried, try the preferred one again
  /// (true) or give up with timed_out (false).
  bool retry_same_gateway = true;
  /// NACK codes that mean "another gateway may do better": retry through the
  /// next candidate instead of ending nacked (1 not in range, 2 busy).
  std::vector<uint32_t> retry_on_codes = {1, 2};
  /// Wait before asking the routers again when routing is unavailable
  /// (Redis or the broker down): the first of an exponential series (see
  /// backoff.hpp: doubled per retry in a row, jittered, capped).
  int64_t unavailable_backoff_ms = 250;
  /// First wait before the next attempt after a busy NACK or a silent
  /// attempt (doubled per retry of the command, jittered, capped).
  int64_t retry_backoff_ms = 100;
  /// No backoff is longer than this.
  int64_t backoff_max_ms = 10'000;
};

} // namespace shelfwire
