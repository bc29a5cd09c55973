#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/mac.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client_options.hpp"
#include "runtime/wire/contract.hpp"
#include "sim/emulator/radio_model.hpp"

namespace shelfwire::sim {

/// How one emulated gateway answers actions. Every field is a fault hook a
/// test or scenario can turn at run time (set_behavior).
struct gateway_behavior {
  bool silent = false;          ///< never answer (gateway gone quiet)
  double no_reply_rate = 0;     ///< chance to drop one answer
  double nack_rate = 0;         ///< chance to NACK instead of ACK
  uint32_t nack_code = 2;       ///< code sent with NACKs (2 = busy)
  double duplicate_rate = 0;    ///< chance to answer twice
  bool legacy = false;          ///< echo no `id` (legacy firmware)
  uint32_t reply_delay_ms = 0;  ///< fixed part of the answer delay
  uint32_t reply_jitter_ms = 0; ///< uniform extra delay in [0, jitter]
  uint32_t late_extra_ms = 0;   ///< with late_rate: extra delay of late answers
  double late_rate = 0;         ///< chance an answer comes late_extra_ms later
  /// ESLs this gateway cannot reach: answered NACK code 1 (not in range).
  std::vector<esl_mac> out_of_range;
};

/// One ESL as the emulated store has it: which gateways hear it and how well.
struct emulated_esl {
  esl_mac esl;
  std::vector<std::pair<gw_mac, int32_t>> heard_by; ///< (gateway, RSSI)
};

struct emulator_options {
  mqtt::client_options mqtt; ///< client_id is the emulator's
  /// One MQTT connection per gateway instead of one for all, as real
  /// gateways connect: each logs in with its MAC as user name (mqtt.username
  /// is not used) and `gateway_password` ("{gw}" in it replaced by the MAC),
  /// subscribes only to its own action topic and publishes only its own
  /// responses and status: what a broker with per-gateway ACLs demands
  /// (config/examples/mosquitto/acl). Client ids {mqtt.client_id}-{MAC}; the
  /// connections share the "emu.mqtt." metrics. A thread per gateway: for
  /// tests and demos, not for thousands of gateways.
  bool client_per_gateway = false;
  std::string gateway_password;
  std::string topic_prefix = "/gw";
  std::vector<gw_mac> gateways;       ///< the gateways this emulator plays
  std::vector<emulated_esl> esls;     ///< for status adverts
  uint32_t adverts_per_status = 1000; ///< status messages are split into chunks
  /// Record per-ESL concurrency and action order (observation()); costs a
  /// little per action, so benchmarks turn it off.
  bool record_observations = true;
  uint64_t seed = 1;
  /// Standard deviation of the noise added to each advert's RSSI (dB, normal).
  double rssi_noise_db = 0;
  /// Radio physics of every gateway (slots, queue, transmission times,
  /// check-ins, compression; radio_model.hpp). radio.slots = 0: off, every
  /// gateway answers after reply_delay_ms as before. Its seed is `seed`.
  radio_params radio;
};

/// Per-ESL concurrency as the gateways saw it (actions received but not yet
/// answered at the same time) and the order of actions per ESL.
struct esl_observation {
  uint32_t max_in_flight = 0;
  std::vector<std::string> op_order; ///< "op:key=value..." of each action, in arrival order
};

/// Emulates BLE gateways on an MQTT broker per the gateway contract
/// (docs/gateway-contract.md): takes actions on `{prefix}/{gw}/action`, answers on
/// `{prefix}/{gw}/response`, publishes status with adverts on
/// `{prefix}/{gw}/status`. Immediate answers go out from paho's receive
/// thread; delayed ones from the emulator's timer thread.
///
/// Metrics under "emu.": actions, replies, acks, nacks, dropped, duplicates,
/// foreign (actions for gateways it does not play), malformed; with the radio
/// on: busy (busy NACKs: queue full, or ttl expired), expired, transmissions
/// (counters), peak_queue and peak_slots (gauges: most actions waiting / slots
/// busy at one gateway at once).
///
/// With the radio on (emulator_options::radio) an action goes through the
/// gateway's radio_model: refused at once with NACK code 2 when the queue is
/// full; otherwise answered when its transmission ends (plus reply_delay_ms
/// and jitter, the gateway's own processing) or with NACK code 2 when its ttl
/// expires first. The behaviour's dice still apply: no_reply and silent drop
/// the action before the radio (a silent gateway also drops the answers of
/// transmissions that end while it is silent), nack_rate turns the answer at
/// the end of the transmission into a NACK, duplicate, late and legacy work
/// as without the radio; out-of-range ESLs get NACK code 1 at once.
class gateway_emulator {
public:
  gateway_emulator(emulator_options opts, metrics::registry& reg);
  ~gateway_emulator();
  gateway_emulator(const gateway_emulator&) = delete;
  gateway_emulator& operator=(const gateway_emulator&) = delete;

  /// Connects and subscribes; false if the options are unusable.
  bool start();
  bool wait_ready(std::chrono::milliseconds timeout);
  void stop();

  /// Behaviour of one gateway, or of all.
  void set_behavior(gw_mac gw, gateway_behavior b);
  void set_behavior_all(const gateway_behavior& b);

  /// Publishes one status per gateway with every ESL it hears (chunked).
  /// Returns the number of adverts published.
  size_t advertise_all();

  /// Replaces which gateways hear an ESL (an ESL that moved); the next
  /// adverts carry the new RSSIs. Unknown ESLs are ignored.
  void set_hearers(esl_mac esl, std::vector<std::pair<gw_mac, int32_t>> heard_by);

  /// Calls advertise_all() every `interval` from a background thread until
  /// stop() (or another call; a zero interval stops it).
  void advertise_every(std::chrono::milliseconds interval);

  /// Publishes raw bytes on a topic (garbage injection in tests).
  bool publish_raw(const std::string& topic, const std::string& payload, int qos);

  /// Sends a response as `gw` without an action to answer (stray replies).
  bool publish_response(gw_mac gw, const wire::response& r);

  /// Actions received for one ESL, and per gateway.
  uint64_t actions_for(esl_mac esl) const;
  std::map<gw_mac, uint64_t> actions_per_gateway() const;
  esl_observation observation(esl_mac esl) const;
  /// The largest per-ESL concurrency seen across all ESLs.
  uint32_t max_esl_concurrency() const;

  const emulator_options& options() const;

  /// The radio's counters (all zero with the radio off).
  radio_stats radio_counters() const;
  /// The radio's clock (microseconds since the emulator was made; compressed
  /// gateway time runs on it) and an ESL's first wake-up at or after t_us.
  int64_t radio_now_us() const;
  int64_t radio_next_wake_us(esl_mac esl, int64_t t_us) const;

  /// A store: `gateways` gateways, `esls` ESLs, each heard by its home
  /// gateway (strongest) and by `extra_hearers` neighbours (weaker).
  /// Deterministic for a seed. MACs: gateways AA00000000xx, ESLs E50000xxxxxx.
  static emulator_options simple_store(size_t gateways, size_t esls, size_t extra_hearers,
                                       uint64_t seed = 1);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace shelfwire::sim
