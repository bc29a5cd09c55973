// The radio part of a run's report: the emulator's counters, actions per
// gateway, completion, and the radio bound (radio_bound.hpp) for reprice runs.

#include <algorithm>
#include <unordered_map>

#include "sim/runner/radio_bound.hpp"
#include "sim/runner/run_state.hpp"

namespace shelfwire::sim {

namespace {

/// The ESLs the load addressed (reprice: the store; the urgent job's ESL
/// once more), with their hearers and release times.
std::vector<bound_esl> bound_input(run_state& r) {
  const auto& sc = r.sc;
  const auto& radio = r.eo.radio;
  std::unordered_map<gw_mac, uint32_t> index;
  for (size_t g = 0; g < r.eo.gateways.size(); ++g)
    index.emplace(r.eo.gateways[g], static_cast<uint32_t>(g));
  const auto work_s = radio.mean_tx_us(wire::op_kind::price) / 1e6;
  const auto first = static_cast<size_t>(sc.reprice_store * sc.esls);
  const auto last = std::min(r.eo.esls.size(), first + static_cast<size_t>(sc.esls));
  auto one = [&](const emulated_esl& e) {
    bound_esl b;
    for (auto& [gw, rssi] : e.heard_by)
      b.hearers.push_back(index.at(gw));
    b.work_s = work_s;
    if (radio.checkin_interval_ms > 0)
      b.release_s = static_cast<double>(r.emu->radio_next_wake_us(e.esl, r.radio_load_start_us) -
                                        r.radio_load_start_us) /
                    1e6;
    return b;
  };
  std::vector<bound_esl> out;
  for (size_t i = first; i < last; ++i)
    out.push_back(one(r.eo.esls[i]));
  if (!r.rep.urgent_esl.empty())
    for (size_t i = first; i < last; ++i)
      if (r.eo.esls[i].esl.to_string() == r.rep.urgent_esl)
        out.push_back(one(r.eo.esls[i]));
  return out;
}

} // namespace

void collect_radio_results(run_state& r) {
  auto& rep = r.rep;
  auto t0 = r.col.first_submit_us.load(), t1 = r.col.last_result_us.load();
  rep.completion_s = t0 && t1 > t0 ? static_cast<double>(t1 - t0) / 1e6 : 0.0;
  for (auto& [gw, n] : r.emu->actions_per_gateway()) {
    rep.gateway_actions[gw.to_string()] = n;
    rep.actions += static_cast<int64_t>(n);
  }
  const auto& radio = r.eo.radio;
  rep.radio = radio.enabled();
  if (!rep.radio)
    return;
  rep.compression = radio.compression;
  auto st = r.emu->radio_counters();
  rep.busy_nacks = static_cast<int64_t>(r.reg.counter_value("emu.busy"));
  rep.radio_expired = static_cast<int64_t>(st.expired);
  rep.transmissions = static_cast<int64_t>(st.transmissions);
  rep.peak_queue = st.peak_queue;
  rep.peak_slots = st.peak_slots;
  if (r.sc.mode != "reprice")
    return; // the bound assumes every command submitted at once
  auto in = bound_input(r);
  auto b = radio_bound(in, r.eo.gateways.size(), radio.slots,
                       static_cast<double>(std::min(radio.tx_price.min_ms, radio.tx_price.max_ms)) /
                           1000.0 / std::max<uint32_t>(radio.compression, 1));
  rep.radio_bound_s = b.bound_s;
  rep.radio_capacity_bound_s = b.capacity_s;
  rep.hearers_per_esl = b.hearers_per_esl;
  if (!rep.urgent_esl.empty() && !in.empty())
    rep.hearers_per_esl[in.back().hearers.size()]--; // counted once per ESL
}

} // namespace shelfwire::sim
