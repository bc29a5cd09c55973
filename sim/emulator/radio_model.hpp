#pragma once

#include <climits>
#include <cstdint>
#include <deque>
#include <random>
#include <unordered_map>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/wire/op.hpp"

namespace shelfwire::sim {

/// A transmission time range, in uncompressed (real radio) milliseconds.
struct tx_range {
  uint32_t min_ms = 1000;
  uint32_t max_ms = 2000;
  double mean_ms() const { return (static_cast<double>(min_ms) + max_ms) / 2.0; }
};

/// The radio of every emulated gateway (sim/emulator/README.md, "Radio physics").
struct radio_params {
  uint32_t slots = 0;      ///< radio slots per gateway; 0 = off (instant gateways)
  uint32_t queue_max = 32; ///< actions waiting per gateway (for a slot or a wake-up)
  tx_range tx_price{1000, 2000};
  tx_range tx_image{4000, 8000};
  tx_range tx_short{100, 300};      ///< blink, ping
  tx_range tx_default{1000, 2000};  ///< every other op (page)
  uint32_t checkin_interval_ms = 0; ///< ESLs wake up this often; 0 = always awake
  uint32_t compression = 1;         ///< gateway durations are divided by this
  uint64_t seed = 1;

  bool enabled() const { return slots > 0; }
  const tx_range& tx_of(wire::op_kind op) const;
  /// Mean transmission time of `op`, in compressed microseconds.
  double mean_tx_us(wire::op_kind op) const;
};

/// What the radio says about one action.
enum class radio_event_kind : uint8_t {
  done,   ///< the transmission ended: the gateway answers (ACK)
  expired ///< could not end within its ttl: NACK busy (code 2) at the ttl
};

struct radio_event {
  int64_t at_us = 0; ///< when it happened (the model's time)
  uint64_t id = 0;   ///< the action, as arrive() numbered it
  gw_mac gw;
  radio_event_kind kind = radio_event_kind::done;
};

/// The answer of arrive().
struct radio_admission {
  bool busy = false; ///< the pending queue is full: NACK busy now
  uint64_t id = 0;   ///< otherwise: the action's id in later radio_events
};

/// Counters of the radio model, over all gateways.
struct radio_stats {
  uint64_t busy = 0;          ///< refused: the queue was full
  uint64_t expired = 0;       ///< ttl ran out before the transmission could end
  uint64_t transmissions = 0; ///< transmissions ended
  uint32_t peak_queue = 0;    ///< most actions waiting at one gateway
  uint32_t peak_slots = 0;    ///< most slots busy at one gateway at once
};

/// The radio physics of emulated gateways, without a clock: the caller says
/// what time it is (microseconds on any monotonic scale). Deterministic for a
/// seed and a sequence of calls. Not thread-safe (the emulator locks it).
///
/// Per gateway: `slots` radio slots and a FIFO pending queue of at most
/// `queue_max` actions. An arriving action is refused (busy) if it can
/// neither start nor fit in the queue. An action is *ready* once its ESL is
/// awake: at once without check-ins, else at the ESL's first wake-up at or
/// after its arrival (each ESL wakes every `checkin_interval_ms`, its phase
/// fixed by the seed and its MAC; a woken ESL stays reachable until served).
/// Ready actions take free slots in arrival order; waiting (for a slot or a
/// wake-up) holds no slot. A transmission takes a time drawn at arrival,
/// uniform in the op's range, divided by `compression`; it ends `done`.
/// ttl (real ms, not compressed; 0 = none): an action that cannot end within
/// ttl of its arrival never starts and ends `expired` at arrival + ttl; a
/// started transmission always ends.
class radio_model {
public:
  explicit radio_model(radio_params p);

  const radio_params& params() const { return p_; }

  /// An action for `esl` reaches gateway `gw` at `now_us`. Events due up to
  /// now_us are settled first (advance() returns them).
  radio_admission arrive(int64_t now_us, gw_mac gw, esl_mac esl, wire::op_kind op, uint32_t ttl_ms);

  /// Settles every event due at or before now_us; returns those not yet
  /// returned, in time order (ties: in order of arrival).
  std::vector<radio_event> advance(int64_t now_us);

  /// When the next event is due (INT64_MAX: nothing pending or running).
  int64_t next_event_us() const;

  /// The ESL's first wake-up at or after t_us (t_us itself without check-ins).
  int64_t next_wake_us(esl_mac esl, int64_t t_us) const;

  const radio_stats& stats() const { return stats_; }
  /// Actions waiting and transmissions running at one gateway now.
  uint32_t queued(gw_mac gw) const;
  uint32_t transmitting(gw_mac gw) const;

private:
  struct action {
    uint64_t id = 0;
    int64_t ready_us = 0;    ///< the ESL is awake from then
    int64_t deadline_us = 0; ///< arrival + ttl (INT64_MAX: none)
    int64_t tx_us = 0;
  };
  struct gateway {
    int64_t clock_us = INT64_MIN;                      ///< settled up to here
    std::deque<action> pending;                        ///< arrival order
    std::vector<std::pair<int64_t, uint64_t>> running; ///< (end, id)
  };

  void settle(gw_mac mac, gateway& g, int64_t now_us);
  void start_ready(gateway& g);
  int64_t next_event_of(const gateway& g) const;
  int64_t draw_tx_us(wire::op_kind op);

  radio_params p_;
  std::mt19937_64 rng_;
  uint64_t next_id_ = 1;
  int64_t last_now_us_ = INT64_MIN; ///< time never runs back
  std::unordered_map<gw_mac, gateway> gateways_;
  std::vector<radio_event> out_; ///< settled, not yet returned
  radio_stats stats_;
};

} // namespace shelfwire::sim
