// shelfwire-gw-emu: emulated BLE gateways on an MQTT broker, per the gateway
// contract (docs/gateway-contract.md). For the demo, the benchmark and
// multi-process tests.
//
//   shelfwire-gw-emu [--config FILE] [--section.key=value ...] [--help]
//
// Prints "ready" on stdout once subscribed and the first status round is
// out; exits 0 on SIGTERM/SIGINT, 2 on a bad option.

#include <csignal>
#include <iostream>

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "config/validators.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/log/log.hpp"
#include "sim/emulator/behavior_options.hpp"
#include "sim/emulator/gateway_emulator.hpp"

namespace {

struct emu_cli {
  std::string url = "tcp://127.0.0.1:1883";
  std::string client_id = "shelfwire-gw-emu";
  shelfwire::mqtt::client_options tls; ///< user, password and the tls_* fields
  bool client_per_gateway = false;
  std::string gateway_password;
  std::string topic_prefix = "/gw";
  int64_t gateways = 10;
  int64_t esls = 1000;
  int64_t extra_hearers = 1;
  int64_t seed = 1;
  int64_t adverts_per_status = 1000;
  int64_t status_interval_ms = 0;
  shelfwire::sim::behavior_options behavior;
  std::string log_level = "info";
  int64_t stats_interval_ms = 10'000;
};

const shelfwire::config::schema<emu_cli>& emu_schema() {
  using namespace shelfwire::config;
  static const auto s = [] {
    schema<emu_cli> s{"shelfwire-gw-emu",
                      "Emulated BLE gateways for shelfwire (docs/gateway-contract.md)."};
    s.add_section("mqtt", "The broker.");
    s.string(
        "mqtt.url", [](auto& o) -> auto& { return o.url; }, "Broker address.",
        "tcp://host:port or ssl://host:port",
        [](std::string_view v) { return validators::broker_url(v); });
    s.string(
        "mqtt.client-id", [](auto& o) -> auto& { return o.client_id; },
        "MQTT client id of the emulator (with client-per-gateway: {id}-{MAC}).");
    s.string(
        "mqtt.username", [](auto& o) -> auto& { return o.tls.username; },
        "User name of the one connection; empty: none. Not used with client-per-gateway.");
    s.string(
        "mqtt.password", [](auto& o) -> auto& { return o.tls.password; },
        "Password of the one connection; empty: none.");
    s.mark_secret("mqtt.password");
    s.boolean(
        "mqtt.client-per-gateway", [](auto& o) -> auto& { return o.client_per_gateway; },
        "One connection per gateway, logged in as its MAC with mqtt.gateway-password, each "
        "on its own topics only (for brokers with per-gateway ACLs).");
    s.string(
        "mqtt.gateway-password", [](auto& o) -> auto& { return o.gateway_password; },
        "With client-per-gateway: every gateway's password; {gw} in it becomes the MAC.");
    s.mark_secret("mqtt.gateway-password");
    s.string(
        "mqtt.tls-ca", [](auto& o) -> auto& { return o.tls.tls_ca; },
        "With ssl://: PEM file of the CA of the broker's certificate; empty: the system's.");
    s.string(
        "mqtt.tls-certificate", [](auto& o) -> auto& { return o.tls.tls_certificate; },
        "With ssl://: PEM client certificate (with mqtt.tls-key); empty: none.");
    s.string(
        "mqtt.tls-key", [](auto& o) -> auto& { return o.tls.tls_key; },
        "PEM private key of mqtt.tls-certificate.");
    s.string(
        "mqtt.tls-key-password", [](auto& o) -> auto& { return o.tls.tls_key_password; },
        "Passphrase of an encrypted mqtt.tls-key.");
    s.mark_secret("mqtt.tls-key-password");
    s.boolean(
        "mqtt.tls-verify-host", [](auto& o) -> auto& { return o.tls.tls_verify_host; },
        "Check that the broker's certificate names the URL's host.");
    s.add_section("gateway", "The gateway contract.");
    s.string(
        "gateway.topic-prefix", [](auto& o) -> auto& { return o.topic_prefix; },
        "Topic prefix: {prefix}/{gw}/action|response|status.");
    s.add_section("store", "The emulated store: gateways and the ESLs they hear.");
    s.integer(
        "store.gateways", [](auto& o) -> auto& { return o.gateways; }, 1, 4096,
        "Gateways played (MACs AA00000000xx).");
    s.integer(
        "store.esls", [](auto& o) -> auto& { return o.esls; }, 0, 10'000'000,
        "ESLs (MACs E50000xxxxxx), spread round robin over home gateways.");
    s.integer(
        "store.extra-hearers", [](auto& o) -> auto& { return o.extra_hearers; }, 0, 16,
        "Neighbour gateways that also hear each ESL, weaker than its home gateway.");
    s.integer(
        "store.seed", [](auto& o) -> auto& { return o.seed; }, 0, INT64_MAX,
        "Seed of RSSI noise and behaviour dice.");
    s.integer(
        "store.adverts-per-status", [](auto& o) -> auto& { return o.adverts_per_status; }, 1,
        100'000, "Adverts per status message.");
    s.integer(
        "store.status-interval-ms", [](auto& o) -> auto& { return o.status_interval_ms; }, 0,
        3'600'000, "Publish status every this often; 0 = once at start.");
    s.add_section("behavior", "How every gateway answers actions.");
    shelfwire::sim::add_behavior_keys(
        s, "behavior", [](auto& o) -> auto& { return o.behavior; });
    s.add_section("log", "Logging.");
    s.enumeration(
        "log.level", [](auto& o) -> auto& { return o.log_level; },
        {"trace", "debug", "info", "warn", "error", "critical", "off"}, "Log level.");
    s.integer(
        "log.stats-interval-ms", [](auto& o) -> auto& { return o.stats_interval_ms; }, 0, 3'600'000,
        "Log counters this often; 0 = never.");
    return s;
  }();
  return s;
}

} // namespace

int main(int argc, char** argv) {
  using namespace shelfwire;
  stop_signals stop; // before any thread exists

  std::vector<std::string> args(argv + 1, argv + argc);
  int exit_code = 0;
  auto loaded = config::load_for_main(emu_schema(), args, "shelfwire-gw-emu", exit_code);
  if (!loaded)
    return exit_code;
  auto& o = *loaded;
  log::log_options lo;
  lo.level = o.log_level;
  lo.process_name = o.client_id;
  log::setup(lo);
  auto lg = log::get("emulator");

  auto eo = sim::gateway_emulator::simple_store(
      static_cast<size_t>(o.gateways), static_cast<size_t>(o.esls),
      static_cast<size_t>(o.extra_hearers), static_cast<uint64_t>(o.seed));
  eo.mqtt = o.tls;
  eo.mqtt.url = o.url;
  eo.mqtt.client_id = o.client_id;
  eo.client_per_gateway = o.client_per_gateway;
  eo.gateway_password = o.gateway_password;
  if (auto problem = mqtt::check_tls_options(eo.mqtt); !problem.empty()) {
    std::cerr << "shelfwire-gw-emu: " << problem << "\n";
    return 2;
  }
  eo.topic_prefix = o.topic_prefix;
  eo.adverts_per_status = static_cast<uint32_t>(o.adverts_per_status);
  eo.record_observations = false; // nobody reads them in this process
  eo.radio = sim::to_radio_params(o.behavior);
  metrics::registry reg;
  sim::gateway_emulator emu{eo, reg};
  emu.set_behavior_all(sim::to_gateway_behavior(o.behavior));
  if (!emu.start()) {
    lg->critical("cannot use mqtt.url '{}'", o.url);
    return 1;
  }
  while (!emu.wait_ready(std::chrono::seconds{5}))
    lg->warn("waiting for the broker at {}", o.url);
  if (o.status_interval_ms > 0)
    emu.advertise_every(std::chrono::milliseconds{o.status_interval_ms});
  else
    lg->info("published {} adverts", emu.advertise_all());
  lg->info("{} gateways, {} ESLs on {}", o.gateways, o.esls, o.url);
  std::cout << "ready" << std::endl;

  // Wait for a stop signal, logging counters now and then.
  auto interval =
      std::chrono::milliseconds{o.stats_interval_ms > 0 ? o.stats_interval_ms : 3'600'000};
  while (!stop.wait_for(interval)) {
    if (o.stats_interval_ms > 0)
      lg->info("actions={} replies={} acks={} nacks={} dropped={} duplicates={} busy={} "
               "expired={} peak_queue={} peak_slots={}",
               reg.counter_value("emu.actions"), reg.counter_value("emu.replies"),
               reg.counter_value("emu.acks"), reg.counter_value("emu.nacks"),
               reg.counter_value("emu.dropped"), reg.counter_value("emu.duplicates"),
               reg.counter_value("emu.busy"), reg.counter_value("emu.expired"),
               emu.radio_counters().peak_queue, emu.radio_counters().peak_slots);
  }
  emu.stop();
  lg->info("stopped");
  return 0;
}
