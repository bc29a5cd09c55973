// shelfwire-sim: runs a simulated store against shelfwire nodes.
//
//   shelfwire-sim --scenario FILE [--report PATH] [--section.key=value ...]
//
// Starts its own mosquitto and redis-server on free loopback ports (unless
// the scenario names a broker/Redis), the configured shelfwire-node
// processes (none with cluster.nodes = 0: it drives a running cluster) and
// the emulated gateways; drives the load; prints progress, a summary and
// (with --report) a JSON report. Exits 0 when every command got an outcome
// and every node stopped cleanly, 1 otherwise, 2 on bad options.
//
// SIGTERM or SIGINT: no new tasks; the tasks in flight finish (a second
// signal gives up on them), then everything the run started is stopped and
// the report covers what ran.

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "config/loader.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/log/log.hpp"
#include "sim/runner/runner.hpp"
#include "sim/runner/scenario.hpp"

int main(int argc, char** argv) {
  using namespace shelfwire;
  stop_signals signals; // before any thread exists
  std::signal(SIGPIPE, SIG_IGN);
  // --scenario FILE is the scenario's config file; --report PATH a shortcut.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--scenario" && i + 1 < argc) {
      args.push_back("--config");
      args.push_back(argv[++i]);
    } else if (a.rfind("--scenario=", 0) == 0) {
      args.push_back("--config=" + a.substr(11));
    } else if (a == "--report" && i + 1 < argc) {
      args.push_back(std::string{"--report.path="} + argv[++i]);
    } else if (a.rfind("--report=", 0) == 0) {
      args.push_back("--report.path=" + a.substr(9));
    } else {
      args.push_back(a);
    }
  }
  int exit_code = 0;
  auto loaded = config::load_for_main(sim::scenario_schema(), args, "shelfwire-sim", exit_code);
  if (!loaded)
    return exit_code;
  auto& sc = *loaded;
  if (sc.nodes == 0 && sc.broker_url.empty()) {
    std::cerr << "shelfwire-sim: cluster.nodes = 0 drives a running cluster and needs "
                 "cluster.broker-url (tcp://host:port of that cluster's broker); or set "
                 "cluster.nodes to 1..64 to start nodes\n";
    return 2;
  }
  log::log_options lo;
  lo.level = sc.log_level;
  lo.process_name = "sim";
  log::setup(lo);
  sim::run_control ctl;
  std::thread watcher{[&] {
    // First signal: drain; second: give up on the tasks in flight. The
    // watcher ends with the run (stop/abort set by the run's end below).
    for (;;) {
      auto sig = signals.wait_for(std::chrono::milliseconds{200});
      if (ctl.abort)
        return;
      if (!sig)
        continue;
      if (!ctl.stop) {
        std::cout << "\nshelfwire-sim: " << stop_signals::name(*sig)
                  << ": no new tasks; waiting for those in flight (again to give up on them)\n"
                  << std::flush;
        ctl.stop = true;
      } else {
        ctl.abort = true;
        return;
      }
    }
  }};
  auto rep = sim::run_scenario(sc, std::cout, ctl);
  ctl.abort = true; // ends the watcher
  watcher.join();
  sim::print_summary(rep, std::cout);
  if (!sc.report_path.empty() && sc.histograms) {
    auto stem = sc.report_path;
    if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0)
      stem.resize(stem.size() - 5);
    sim::plot_histograms(rep, stem, std::cout);
    for (auto& p : rep.plots)
      std::cout << "histogram: " << p << "\n";
  }
  if (!sc.report_path.empty()) {
    std::ofstream f{sc.report_path};
    f << sim::report_json(rep) << "\n";
    if (!f) {
      std::cerr << "shelfwire-sim: cannot write report.path '" << sc.report_path << "'\n";
      return 1;
    }
    std::cout << "report: " << sc.report_path << "\n";
  }
  bool ok = rep.lost == 0 && rep.tasks_lost == 0 && rep.nodes_failed_to_stop == 0;
  std::cout << (ok ? "OK: every command has exactly one outcome"
                   : "FAILED: commands lost or nodes did not stop cleanly")
            << (rep.interrupted ? " (stopped early on request)\n" : "\n");
  return ok ? 0 : 1;
}
