// shelfwire-node: one node of a shelfwire cluster.
//
//   shelfwire-node [--config FILE] [--section.key=value ...]
//                  [--dump-config] [--check-config] [--help]
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT), 2 bad configuration, 1 could
// not start.

#include <csignal>
#include <cstdio>
#include <iostream>

#include "actors/node/node.hpp"
#include "config/node_config.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/log/log.hpp"

int main(int argc, char** argv) {
  using namespace shelfwire;
  stop_signals stop; // before any thread exists
  std::signal(SIGPIPE, SIG_IGN);

  auto loaded = config::load_node_config(argc, argv);
  if (!loaded) {
    std::cerr << "shelfwire-node: " << loaded.error().message << "\n";
    return 2;
  }
  auto& cfg = *loaded;
  if (cfg.action != config::node_action::run) {
    std::cout << cfg.text;
    return 0;
  }
  auto opts = std::move(cfg.options);
  resolve_node_name(opts);
  opts.log.process_name = opts.name;
  if (auto err = log::setup(opts.log); !err.empty()) {
    std::cerr << "shelfwire-node: " << err << "\n";
    return 2;
  }
  auto lg = log::get("node");
  node n{opts};
  if (auto err = n.start(); !err.empty()) {
    lg->critical("cannot start: {}", err);
    return 1;
  }
  if (!n.wait_ready(std::chrono::milliseconds{opts.mqtt.connect_timeout_ms * 2}))
    lg->warn("MQTT not ready yet ({}); retrying in the background", opts.mqtt.url);
  auto sig = stop.wait();
  lg->info("received {}, stopping", stop_signals::name(sig));
  n.stop();
  return 0;
}
