#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/typed_actor.hpp>

#include "actors/messages/messages.hpp"
#include "runtime/flow/gateway_flow.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/publisher.hpp"

namespace shelfwire {

/// The node's way out to its gateways: runtime/flow's per-gateway windows,
/// breaker and load-aware choice around the MQTT publisher. Thread-safe
/// (one lock, never held while publishing): routers (their own threads)
/// choose and send through it; command actors (scheduler) report how their
/// attempts ended, which lets waiting attempts go.
///
/// An attempt that finds its gateway's window full is parked here with its
/// encoded action. When the window opens it is published from the thread
/// that released the slot, and its command actor gets (window_atom, seq,
/// gw); if its gateway went down meanwhile the actor gets (window_atom, seq)
/// and routes it again. docs/gateways.md.
class gateway_egress {
public:
  gateway_egress(flow::flow_options opts, std::shared_ptr<mqtt::publisher> out,
                 metrics::registry& reg);

  /// The gateway for the next attempt (routing::pick_gateway's rules, then
  /// breaker and load; see gateway_flow::choose).
  flow::gateway_flow::choice choose(const routing::route& r, const std::vector<gw_mac>& tried,
                                    bool allow_repeat);

  enum class admission : uint8_t {
    sent,    ///< published now
    waiting, ///< parked until the window opens (or the gateway goes down)
    failed,  ///< the publisher refused it (broker down): nothing holds a slot
  };
  /// Publishes `payload` on `topic` (QoS 1) for attempt `k` through `gw`, or
  /// parks it (then `payload` is moved from); `who` and `seq` are told when
  /// a parked one goes out.
  admission send(gw_mac gw, flow::attempt_key k, priority p, const std::string& topic,
                 std::string& payload, const command_handle& who, uint32_t seq);

  /// Attempt `k` ended with `s` (idempotent).
  void release(flow::attempt_key k, flow::signal s);
  /// Command `id` ended or its actor stopped: drop what it holds or waits for.
  void forget(uint64_t command_id);

  std::vector<flow::gateway_stats> stats();
  flow::flow_totals totals();
  const flow::flow_options& options() const { return opts_; }

private:
  struct parked {
    std::string topic;
    std::string payload;
    command_handle who;
    uint32_t seq = 0;
  };
  struct go {
    flow::launch what;
    parked p;
  };

  /// Under the lock: takes the parked actions `launches` name.
  void collect(std::vector<flow::launch>& launches, std::vector<go>& out);
  /// Without the lock: publishes and tells their command actors.
  void carry_out(std::vector<go>& todo);
  /// Under the lock: brings the metrics up to date.
  void update_metrics();

  flow::flow_options opts_;
  std::shared_ptr<mqtt::publisher> out_;
  struct counters {
    explicit counters(metrics::registry& reg);
    metrics::counter &waited, &rerouted, &balanced, &avoided_down, &all_down, &trips, &recoveries,
        &busy, &silent, &published_late, &publish_failed;
    metrics::gauge &waiting, &in_flight, &down;
  } metrics_;
  std::mutex mtx_;
  flow::gateway_flow flow_;
  std::unordered_map<uint64_t, parked> parked_; ///< by command id
  flow::flow_totals reported_;                  ///< totals already added to the metrics
};

} // namespace shelfwire
