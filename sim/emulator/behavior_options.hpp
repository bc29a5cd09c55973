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
};

/// The gateway_behavior the options describe (not silent, every ESL in range).
gateway_behavior to_gateway_behavior(const behavior_options& o);

/// Adds the keys `{section}.reply-delay-ms` ... `{section}.legacy` to `s`,
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
}

} // namespace shelfwire::sim
