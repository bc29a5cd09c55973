#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/node/node_context.hpp"
#include "runtime/cluster/presence.hpp"

namespace shelfwire {

namespace mqtt {
class client;
}

/// The node's presence on MQTT (docs/operations.md, "Node presence"): it
/// announces itself online on `{presence.topic}/{node}` (retained, QoS 1),
/// the broker's copy turns offline (reason "lost") by its last will when the
/// node dies, and a clean exit says offline (reason "stopped"). The payloads
/// are runtime/cluster/presence.hpp's.
///
/// It has an MQTT connection of its own (role "presence"), which carries the
/// will, and why this one rather than the egress: the will names the node's
/// cluster endpoint, whose port (cluster.port = 0 picks one) is known only
/// once the node listens, after the egress already runs; and the node makes
/// it right after it listens and closes it last of all, after the egress,
/// so it lives exactly as long as the node can be reached and nothing the
/// node says comes after "offline". The same connection subscribes to
/// `{presence.topic}/+` and hands every message to `listener` (the cluster
/// manager, whose `members` view shows it) as (presence_atom, topic,
/// payload, retained): paho's thread only copies and sends.
class node_presence {
public:
  /// Starts connecting with `conn` (the node's options for its "presence"
  /// connection; the will and the birth message are added here); null when
  /// `presence.topic` is empty (no presence).
  static std::unique_ptr<node_presence> start(const node_context& ctx, mqtt::client_options conn,
                                              std::string endpoint, caf::actor listener);
  ~node_presence();
  node_presence(const node_presence&) = delete;
  node_presence& operator=(const node_presence&) = delete;

  /// Up, subscribed, and online announced (queued).
  bool wait_ready(std::chrono::milliseconds timeout);

  /// Clean exit: publishes offline ("stopped", retained) and waits up to
  /// `timeout` for the broker's acknowledgement.
  void announce_stopped(std::chrono::milliseconds timeout);

  /// Disconnects (the broker drops the will: a DISCONNECT is no death).
  void stop();

  const std::string& topic() const { return topic_; }

private:
  node_presence() = default;

  std::string topic_;
  cluster::presence_identity id_;
  std::unique_ptr<mqtt::client> client_;
};

/// A clean exit's goodbye on MQTT: offline on the presence topic (when
/// `presence` is not null) and the retained metrics snapshot cleared (an
/// empty retained message on `{metrics.topic}/{node}`, through `egress`,
/// which published it), both QoS 1 and waited for, up to `timeout` in all.
/// Call it once the metrics reporter is gone (no snapshot after the empty
/// one), before the egress stops.
void say_goodbye(const node_context& ctx, mqtt::client& egress, node_presence* presence,
                 std::chrono::milliseconds timeout);

} // namespace shelfwire
