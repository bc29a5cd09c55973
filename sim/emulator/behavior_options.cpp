#include "sim/emulator/behavior_options.hpp"

namespace shelfwire::sim {

gateway_behavior to_gateway_behavior(const behavior_options& o) {
  gateway_behavior b;
  b.reply_delay_ms = static_cast<uint32_t>(o.reply_delay_ms);
  b.reply_jitter_ms = static_cast<uint32_t>(o.reply_jitter_ms);
  b.nack_rate = static_cast<double>(o.nack_per_mille) / 1000.0;
  b.nack_code = static_cast<uint32_t>(o.nack_code);
  b.no_reply_rate = static_cast<double>(o.no_reply_per_mille) / 1000.0;
  b.duplicate_rate = static_cast<double>(o.duplicate_per_mille) / 1000.0;
  b.late_rate = static_cast<double>(o.late_per_mille) / 1000.0;
  b.late_extra_ms = static_cast<uint32_t>(o.late_extra_ms);
  b.legacy = o.legacy;
  return b;
}

radio_params to_radio_params(const behavior_options& o) {
  auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  radio_params p;
  p.slots = u(o.radio_slots);
  p.queue_max = u(o.queue_max);
  p.tx_price = {u(o.tx_price_ms_min), u(o.tx_price_ms_max)};
  p.tx_image = {u(o.tx_image_ms_min), u(o.tx_image_ms_max)};
  p.tx_short = {u(o.tx_short_ms_min), u(o.tx_short_ms_max)};
  p.tx_default = {u(o.tx_default_ms_min), u(o.tx_default_ms_max)};
  p.checkin_interval_ms = u(o.checkin_interval_ms);
  p.compression = u(o.compression);
  return p;
}

} // namespace shelfwire::sim
