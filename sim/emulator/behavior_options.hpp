#pragma once

#include <cstdint>
#include <string>

#include "config/schema.hpp"
#include "sim/emulator/gateway_emulator.hpp"

namespace shelfwire::sim {

/// How every emulated gateway answers actions, as configuration keys. One
/// declaration for both programs that configure it: shelfwire-gw-emu's
/// `[behavior]` section and shelfwire-sim's `[gateway]` section.
struct behavior_options {
  int64_t reply_delay_ms = 0;
  int64_t reply_jitter_ms = 0;
  int64_t nack_per_mille = 0;
  int64_t nack_code = 2;
  int64_t no_reply_per_mille = 0;
  int64_t duplicate_per_mille = 0;
  int64_t late_per_mille = 0;
  int64_t late_extra_ms = 0;
  bool legacy = false; ///< every gateway is legacy firmware (no `id`)
  // Radio physics (radio_model.hpp); radio_slots = 0: off.
  int64_t radio_slots = 0;
  int64_t queue_max = 32;
  int64_t tx_price_ms_min = 1000, tx_price_ms_max = 2000;
  int64_t tx_image_ms_min = 4000, tx_image_ms_max = 8000;
  int64_t tx_short_ms_min = 100, tx_short_ms_max = 300;
  int64_t tx_default_ms_min = 1000, tx_default_ms_max = 2000;
  int64_t checkin_interval_ms = 0;
  int64_t compression = 1;
};

/// The gateway_behavior the options describe (not silent, every ESL in range).
gateway_behavior to_gateway_behavior(const behavior_options& o);

/// The radio the options describe (its seed is the emulator's).
radio_params to_radio_params(const behavior_options& o);

/// The radio keys (add_behavior_keys adds them too).
template <class T, class Access>
void add_radio_keys(config::schema<T>& s, const std::string& section, Access access) {
  auto key = [&section](const char* name) { return section + "." + name; };
  s.integer(
      key("radio-slots"), [access](auto& o) -> auto& { return access(o).radio_slots; }, 0, 1024,
      "Radio slots per gateway: transmissions at once. 0 = no radio physics (answers after "
      "reply-delay-ms, no limit).");
  s.integer(
      key("queue-max"), [access](auto& o) -> auto& { return access(o).queue_max; }, 0, 1'000'000,
      "With the radio: actions waiting per gateway (for a slot or their ESL's wake-up); one "
      "more is answered NACK code 2 (busy) at once.");
  struct range_key {
    const char* min;
    const char* max;
    int64_t behavior_options::*lo;
    int64_t behavior_options::*hi;
    const char* what;
  };
  static const range_key ranges[] = {
      {"tx-price-ms-min", "tx-price-ms-max", &behavior_options::tx_price_ms_min,
       &behavior_options::tx_price_ms_max, "price"},
      {"tx-image-ms-min", "tx-image-ms-max", &behavior_options::tx_image_ms_min,
       &behavior_options::tx_image_ms_max, "image"},
      {"tx-short-ms-min", "tx-short-ms-max", &behavior_options::tx_short_ms_min,
       &behavior_options::tx_short_ms_max, "blink and ping"},
      {"tx-default-ms-min", "tx-default-ms-max", &behavior_options::tx_default_ms_min,
       &behavior_options::tx_default_ms_max, "every other op (page)"}};
  for (auto& r : ranges) {
    auto lo = r.lo;
    auto hi = r.hi;
    s.integer(
        key(r.min), [ access, lo ](auto& o) -> auto& { return access(o).*lo; }, 1, 600'000,
        std::string{"With the radio: shortest transmission of "} + r.what +
            " (real ms; uniform in [min, max])");
    s.integer(
        key(r.max), [ access, hi ](auto& o) -> auto& { return access(o).*hi; }, 1, 600'000,
        std::string{"With the radio: longest transmission of "} + r.what + " (real ms).");
    s.require_at_least(key(r.max), key(r.min));
  }
  s.integer(
      key("checkin-interval-ms"),
      [access](auto& o) -> auto& { return access(o).checkin_interval_ms; }, 0, 3'600'000,
      "With the radio: ESLs wake up this often (real ms; each at its own phase from the "
      "seed); an action waits for its ESL's next wake-up, holding no slot. 0 = always awake.");
  s.integer(
      key("compression"), [access](auto& o) -> auto& { return access(o).compression; }, 1, 1000,
      "With the radio: gateway time runs this much faster (transmissions and check-in "
      "intervals divided by it; the action's ttl is not: the node runs in real time).");
}

/// Adds the keys `{section}.reply-delay-ms` ... `{section}.legacy` and the
/// radio's (`{section}.radio-slots` ... `{section}.compression`) to `s`,
/// bound to the behavior_options that `access` returns: an accessor like a
/// schema's, e.g. `[](auto& o) -> auto& { return o.behavior; }`. The section
/// must be declared already; the caller may add keys of its own after these.
template <class T, class Access>
void add_behavior_keys(config::schema<T>& s, const std::string& section, Access access) {
  auto key = [&section](const char* name) { return section + "." + name; };
  s.integer(
      key("reply-delay-ms"), [access](auto& o) -> auto& { return access(o).reply_delay_ms; }, 0,
      600'000, "Fixed delay before answering.");
  s.integer(
      key("reply-jitter-ms"), [access](auto& o) -> auto& { return access(o).reply_jitter_ms; }, 0,
      600'000, "Uniform extra delay in [0, jitter].");
  s.integer(
      key("nack-per-mille"), [access](auto& o) -> auto& { return access(o).nack_per_mille; }, 0,
      1000, "Answers that are NACKs, per mille.");
  s.integer(
      key("nack-code"), [access](auto& o) -> auto& { return access(o).nack_code; }, 0, 255,
      "Code of NACKs (1 not in range, 2 busy, 3 low battery, 4 bad request).");
  s.integer(
      key("no-reply-per-mille"),
      [access](auto& o) -> auto& { return access(o).no_reply_per_mille; }, 0, 1000,
      "Actions never answered, per mille.");
  s.integer(
      key("duplicate-per-mille"),
      [access](auto& o) -> auto& { return access(o).duplicate_per_mille; }, 0, 1000,
      "Actions answered twice, per mille.");
  s.integer(
      key("late-per-mille"), [access](auto& o) -> auto& { return access(o).late_per_mille; }, 0,
      1000, "Answers delayed by late-extra-ms more, per mille.");
  s.integer(
      key("late-extra-ms"), [access](auto& o) -> auto& { return access(o).late_extra_ms; }, 0,
      3'600'000, "Extra delay of late answers.");
  s.boolean(
      key("legacy"), [access](auto& o) -> auto& { return access(o).legacy; },
      "Legacy firmware on every gateway: no `id` echoed.");
  add_radio_keys(s, section, access);
}

} // namespace shelfwire::sim
