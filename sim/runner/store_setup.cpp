// The store(s) under test: the model (floor plan or simple), the emulated
// gateways with the scenario's behaviour, and waiting until the nodes' RSSI
// table has every advert the gateways published.

#include <ostream>
#include <string>

#include "runtime/core/clock.hpp"
#include "sim/runner/run_state.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

namespace {

/// The store the emulator plays and the ground truth the report judges by.
store_params params_of(const scenario& sc) {
  store_params p;
  p.stores = static_cast<int>(sc.stores);
  p.gateways_per_store = static_cast<int>(sc.gateways);
  p.esls_per_store = static_cast<int>(sc.esls);
  p.width_m = static_cast<double>(sc.width_m);
  p.depth_m = static_cast<double>(sc.depth_m);
  p.tx_power_dbm = static_cast<double>(sc.tx_power_dbm);
  p.path_loss_exponent = std::stod(sc.path_loss_exponent);
  p.sensitivity_dbm = static_cast<double>(sc.sensitivity_dbm);
  p.max_hearers = static_cast<int>(sc.max_hearers);
  p.seed = static_cast<uint64_t>(sc.seed);
  return p;
}

/// store.model = floor: the floor plan decides who hears whom, and knows
/// the best gateway of each ESL.
void build_floor_stores(run_state& r) {
  r.model = std::make_unique<store_model>(params_of(r.sc));
  for (auto& g : r.model->gateways())
    r.eo.gateways.push_back(g.gw);
  for (auto& e : r.model->esls())
    r.eo.esls.push_back({e.esl, e.heard_by});
  r.col.model = r.model.get();
  r.col.model_mtx = &r.model_mtx;
}

/// store.model = simple: each ESL heard by its home gateway (the best) and
/// extra-hearers neighbours.
void build_simple_stores(run_state& r) {
  const auto& sc = r.sc;
  for (int64_t s = 0; s < sc.stores; ++s) {
    auto one = gateway_emulator::simple_store(
        static_cast<size_t>(sc.gateways), static_cast<size_t>(sc.esls),
        static_cast<size_t>(sc.extra_hearers), static_cast<uint64_t>(sc.seed + s));
    // Distinct MACs per store, as the floor model does.
    for (size_t g = 0; g < one.gateways.size(); ++g)
      r.eo.gateways.push_back(store_model::gateway_mac(static_cast<int>(s), static_cast<int>(g)));
    for (size_t i = 0; i < one.esls.size(); ++i) {
      emulated_esl e;
      e.esl = store_model::esl_mac_of(static_cast<int>(s), static_cast<int>(i));
      for (auto& [gw, rssi] : one.esls[i].heard_by)
        e.heard_by.emplace_back(
            store_model::gateway_mac(static_cast<int>(s),
                                     static_cast<int>(gw.value() - 0xAA0000000000ull)),
            rssi);
      r.col.simple_best.emplace(e.esl, e.heard_by.front().first);
      r.eo.esls.push_back(std::move(e));
    }
  }
}

} // namespace

void build_store(run_state& r) {
  if (r.sc.model == "floor")
    build_floor_stores(r);
  else
    build_simple_stores(r);
  for (auto& e : r.eo.esls)
    r.esls.push_back(e.esl);
}

void start_emulators(run_state& r) {
  const auto& sc = r.sc;
  auto& eo = r.eo;
  eo.mqtt = client_opts(r.url, "shelfwire-sim-gateways");
  eo.record_observations = false;
  eo.seed = static_cast<uint64_t>(sc.seed);
  eo.rssi_noise_db = static_cast<double>(sc.rssi_noise_db);
  eo.radio = to_radio_params(sc.behavior);
  auto& emu = r.emu.emplace(eo, r.reg);
  r.behavior = to_gateway_behavior(sc.behavior);
  emu.set_behavior_all(r.behavior);
  auto per_store = static_cast<size_t>(sc.gateways);
  r.legacy_behavior = r.behavior;
  r.legacy_behavior.legacy = true;
  for (size_t g = 0; g < eo.gateways.size(); ++g)
    if (static_cast<int64_t>(g % per_store) < sc.legacy_gateways)
      emu.set_behavior(eo.gateways[g], r.legacy_behavior);
  emu.start();
  emu.wait_ready(30s);
}

bool wait_for_routes(run_state& r) {
  auto& emu = *r.emu;
  auto& watch = *r.watch;
  auto applied0 = watch.sum("status.adverts_applied");
  auto adverts = emu.advertise_all();
  if (r.sc.status_interval_ms > 0)
    emu.advertise_every(std::chrono::milliseconds{r.sc.status_interval_ms});
  auto converge_start = steady_now_us();
  auto converged = [&] {
    return watch.sum("status.adverts_applied") - applied0 >= static_cast<int64_t>(adverts);
  };
  if (!r.wait_or_stop(converged, 120s)) {
    if (r.ctl.stop) {
      emu.stop();
      r.interrupted();
      return false;
    }
    r.out << "the routing table did not converge: "
          << watch.sum("status.adverts_applied") - applied0 << "/" << adverts << " adverts\n";
    r.rep.lost = 1;
    return false;
  }
  r.out << "routing table converged from the gateways' status traffic: " << adverts
        << " adverts in " << (steady_now_us() - converge_start) / 1000 << " ms\n";
  return true;
}

} // namespace shelfwire::sim
