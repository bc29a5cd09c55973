#pragma once

#include <cstdint>
#include <string_view>

namespace shelfwire::mqtt {

/// Result of a publish call.
enum class publish_errc : uint8_t {
  ok,
  disconnected, ///< not connected: nothing was queued, the caller decides (retry, fail)
  bad_topic,    ///< empty or contains wildcards
  too_large,    ///< payload over the MQTT limit
  failed,       ///< refused (see the log)
};

std::string_view to_string(publish_errc e);

/// Where a node's outgoing messages go (actions, job results, metrics):
/// mqtt::client in a node, a fake with fault hooks in actor tests.
/// Implementations are thread-safe and never block on the network.
class publisher {
public:
  virtual ~publisher() = default;
  /// Publishes; QoS 0 or 1.
  virtual publish_errc publish(std::string_view topic, std::string_view payload, int qos,
                               bool retain = false) = 0;
};

} // namespace shelfwire::mqtt
