#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/command/priority.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/flow/flow_options.hpp"
#include "runtime/routing/route.hpp"

namespace shelfwire::flow {

/// One attempt of one command: what a window slot is held by.
struct attempt_key {
  uint64_t command_id = 0;
  uint8_t attempt = 0;
  friend bool operator==(attempt_key a, attempt_key b) {
    return a.command_id == b.command_id && a.attempt == b.attempt;
  }
};

/// A gateway's circuit breaker.
enum class breaker_state : uint8_t {
  up,      ///< takes commands
  down,    ///< silent too often: no new commands until the cool-down ends
  probing, ///< cool-down over: the next command is a probe; its answer decides
};
std::string_view to_string(breaker_state s);

/// How an attempt in flight ended, as far as its gateway's load goes.
enum class signal : uint8_t {
  ack,     ///< answered ACK: grow the window
  busy,    ///< NACK code 2: shrink it
  nack,    ///< another NACK: the gateway works, the window stays
  silence, ///< no answer within the attempt timeout: shrink, count for the breaker
  neutral, ///< the command ended otherwise (deadline, crash, late answer): just free the slot
};

/// What the caller must do with a waiting attempt after a call.
struct launch {
  attempt_key key;
  gw_mac gw;
  bool reroute = false; ///< false: its window opened, send it; true: route it again
};

/// One gateway as the node sees it (the `gateways` view, metrics).
struct gateway_stats {
  gw_mac gw;
  double window = 0;
  uint32_t in_flight = 0;
  uint32_t waiting = 0;
  breaker_state breaker = breaker_state::up;
  uint32_t silent_in_row = 0;
  int64_t down_for_ms = 0; ///< down: cool-down left
  uint64_t sent = 0, acks = 0, busy = 0, nacks = 0, silent = 0;
  uint64_t waited = 0;      ///< attempts that waited for the window
  uint64_t balanced_in = 0; ///< attempts sent here instead of the strongest candidate
  uint64_t breaker_trips = 0;
};

/// Node-wide totals (metrics).
struct flow_totals {
  uint64_t balanced = 0;      ///< the pick differed from the strongest candidate (load)
  uint64_t avoided_down = 0;  ///< the pick skipped a down gateway
  uint64_t waited = 0;        ///< attempts that waited for a window
  uint64_t rerouted = 0;      ///< waiting attempts sent back to routing (breaker opened)
  uint64_t all_down = 0;      ///< picks refused: every usable candidate down (asked again later)
  uint64_t breaker_trips = 0; ///< up -> down
  uint64_t breaker_recoveries = 0; ///< down or probing -> up (an answer)
  uint64_t busy = 0;               ///< busy NACKs, all gateways
  uint64_t silent = 0;             ///< silent attempts, all gateways
};

/// Per-gateway flow control of one node, as pure logic (no clock, no I/O,
/// not thread-safe: the node wraps it in a lock, actors/gateway/gateway_egress).
///
/// - Window: each gateway has a window of actions in flight from this node,
///   within [min, max]. It starts with a slow start (+1/2 per ACK, x1.5 per
///   round) that ends at the first sign of a limit (a queue, a busy NACK, a
///   silence: then it halves). After that, per round (a window's worth of
///   ACKs, at least 16) it grows by 1 while the round's fastest ACK is about as fast as the
///   recent rounds' fastest (no queue building at the gateway), and shrinks
///   by 1 when it is slower by more than a share of how much ACK times vary
///   anyway (transmission times, ESL check-ins): actions queue there and
///   only add latency, the radios are busy already. A busy NACK or a
///   silence multiplies it by
///   `decrease`, at most once per window of actions sent (AIMD). An
///   attempt that finds the window full waits here, in priority then FIFO
///   order; it is sent when an action of that gateway ends. Several nodes
///   share a gateway as TCP flows share a link: each finds its share.
/// - Load-aware choice: the strongest usable candidate while its window can
///   take the action now; when it cannot, among the untried candidates
///   within `balance_margin_db` of the strongest, the one with the most free
///   window (the shortest wait).
/// - Breaker: `breaker_silent_attempts` silent attempts in a row mark a
///   gateway down: it gets no new commands (they go to the runner-up), its
///   waiting attempts are routed again; after the cool-down the next command
///   is a probe, and its answer brings the gateway up (or down again).
class gateway_flow {
public:
  explicit gateway_flow(flow_options opts);

  struct choice {
    std::optional<routing::candidate> pick; ///< nullopt: no candidate may be used
    bool balanced = false;                  ///< not the strongest usable candidate: load decided
    bool avoided_down = false;              ///< a down gateway was passed over
    /// No pick because every candidate it could use is down (or probing with
    /// its probe out): ask again later, nothing waits at a down gateway.
    bool all_down = false;
  };
  /// The gateway for the next attempt of a command: routing::pick_gateway's
  /// rules (untried first; with `allow_repeat` the least recently tried),
  /// then the breaker and the load as above. When the untried candidates
  /// are all down, a tried one that is up may be repeated (`allow_repeat`);
  /// when none is usable, no pick and `all_down`: the command backs off and
  /// asks again (after the cool-down its asking makes it the probe).
  choice choose(const routing::route& r, const std::vector<gw_mac>& tried, bool allow_repeat,
                int64_t now_us);

  /// Takes attempt `k` for `gw`: true if it may be sent now (it holds a
  /// slot until release()), false if it waits for the window.
  bool admit(gw_mac gw, attempt_key k, priority p, int64_t now_us);

  /// Attempt `k` ended with `s`. Idempotent (unknown keys are ignored, e.g.
  /// a late answer after the silence). Appends what may go now to `out`.
  void release(attempt_key k, signal s, int64_t now_us, std::vector<launch>& out);

  /// Command `id` ended (or its actor stopped): its waiting attempt is
  /// dropped and its slots are freed (neutral).
  void forget(uint64_t command_id, int64_t now_us, std::vector<launch>& out);

  /// A waiting attempt that could not be sent after all (publish failed):
  /// its slot is freed without a signal.
  void abandon(attempt_key k, int64_t now_us, std::vector<launch>& out) {
    release(k, signal::neutral, now_us, out);
  }

  std::vector<gateway_stats> stats(int64_t now_us) const;
  std::optional<gateway_stats> stats_of(gw_mac gw, int64_t now_us) const;
  const flow_totals& totals() const { return totals_; }
  const flow_options& options() const { return opts_; }
  /// Attempts waiting for a window, all gateways.
  size_t waiting() const { return waiting_index_.size(); }
  /// Attempts holding a slot, all gateways.
  size_t in_flight() const { return in_flight_count_; }

private:
  struct waiter {
    attempt_key key;
    int64_t since_us = 0;
  };
  struct gateway {
    double window = 0;
    uint32_t in_flight = 0;
    uint32_t waiting = 0;
    std::array<std::deque<waiter>, priority_count> queues;
    breaker_state breaker = breaker_state::up;
    std::optional<attempt_key> probe; ///< probing: the attempt whose answer decides
    uint32_t silent_in_row = 0;
    int64_t down_until_us = 0;
    int64_t last_decrease_us = -1; ///< sends before this do not shrink again
    // Queueing signal: the fastest ACK of each round (a window's worth of
    // ACKs) against the fastest of the recent rounds.
    bool slow_start = true; ///< grow by half an action per ACK until the first sign of a limit
    uint32_t round_acks = 0;
    int64_t round_min_us = INT64_MAX;
    int64_t round_sum_us = 0;
    double spread_us = -1; ///< smoothed (round mean - round fastest): how much ACKs vary anyway
    std::array<int64_t, 16> round_mins{}; ///< ring of recent rounds' fastest ACK
    size_t rounds = 0;
    gateway_stats counts;
  };
  struct slot {
    gw_mac gw;
    uint8_t attempt = 0;
    int64_t sent_us = 0;
  };

  gateway& at(gw_mac gw);
  void refresh(gateway& g, int64_t now_us);
  bool usable(gw_mac gw, int64_t now_us);
  bool can_send(const gateway& g) const;
  void answered(gateway& g);
  void take_slot(gw_mac gw, gateway& g, attempt_key k, int64_t now_us);
  void drain(gw_mac gw, gateway& g, int64_t now_us, std::vector<launch>& out);
  void trip(gw_mac gw, gateway& g, int64_t now_us, std::vector<launch>& out);
  void shrink(gateway& g, int64_t sent_us, int64_t now_us);
  void on_ack_latency(gateway& g, int64_t latency_us);

  flow_options opts_;
  double window_min_, window_max_, window_initial_;
  std::unordered_map<gw_mac, gateway> gateways_;
  /// command id -> its attempts holding a slot (usually one)
  std::unordered_map<uint64_t, std::vector<slot>> in_flight_;
  size_t in_flight_count_ = 0;
  /// command id -> the gateway its waiting attempt waits for (queues hold
  /// tombstones of forgotten ones, skipped when reached)
  std::unordered_map<uint64_t, std::pair<gw_mac, attempt_key>> waiting_index_;
  flow_totals totals_;
};

} // namespace shelfwire::flow
