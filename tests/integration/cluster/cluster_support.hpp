#pragma once

// A cluster of real shelfwire-node processes on one machine, with real
// mosquitto and redis-server, an in-process gateway emulator (so tests can
// turn its fault hooks and read its per-ESL observations) and a producer.

#include <algorithm>
#include <csignal>
#include <functional>
#include <map>
#include <memory>

#include "runtime/cluster/ownership.hpp"
#include "tests/integration/process/process_support.hpp"

namespace shelfwire::testing {

/// One member of the test cluster.
struct member_proc {
  node_settings cfg;
  uint16_t port = 0;
  bool intake = true;
  child_process proc;
};

struct cluster_env : process_env {
  std::map<std::string, member_proc> members;
  std::unique_ptr<sim::gateway_emulator> emu;
  sim::emulator_options store;
  std::unique_ptr<show_logs_on_failure> logs = std::make_unique<show_logs_on_failure>(
      std::initializer_list<std::pair<std::string, const child_process*>>{});

  ~cluster_env() {
    logs.reset();
    if (emu)
      emu->stop();
  }

  /// Settings of member `name`: the shared servers, a fixed cluster port,
  /// fast failure detection, intake on or off.
  node_settings member_settings(const std::string& name, uint16_t port, const std::string& seeds,
                                bool intake, const std::string& extra = {}) const {
    auto s = node(name);
    s.metrics_interval_ms = 100;
    // Generous: three nodes under sanitizers on two cores are slow; a late
    // answer must not turn into a retry (the naive test sets its own).
    s.attempt_timeout_ms = 10'000;
    s.timeout_ms = 60'000;
    std::ostringstream o;
    o << "\n[log]\n"
      << "module-levels = \"metrics=warn\"\n" // snapshots every 100 ms: keep them off the log
      << "\n[cluster]\n"
      << "port = " << port << "\n"
      << "seeds = \"" << seeds << "\"\n"
      << "heartbeat-interval-ms = 200\n"
      << "failure-timeout-ms = 1500\n"
      << "gossip-interval-ms = 300\n"
      << "\n[intake]\n"
      << "enabled = " << (intake ? "true" : "false") << "\n"
      << extra;
    s.extra_ini = o.str();
    return s;
  }

  /// Starts member `name` (its log joins the ones shown on failure).
  /// `tweak` adjusts the settings (timeouts) before the file is written.
  member_proc& start_member(const std::string& name, const std::string& seeds, bool intake,
                            const std::string& extra = {},
                            const std::function<void(node_settings&)>& tweak = {}) {
    auto& m = members[name];
    // A port no other member of this env was given: free_port() only knows
    // the port is free now, and the previous member may not listen yet.
    while (m.port == 0 || std::count_if(members.begin(), members.end(),
                                        [&](auto& kv) { return kv.second.port == m.port; }) > 1)
      m.port = free_port();
    m.cfg = member_settings(name, m.port, seeds, intake, extra);
    m.intake = intake;
    if (tweak)
      tweak(m.cfg);
    m.proc = start_node(dir, m.cfg);
    logs->add(name, &m.proc);
    return m;
  }

  /// Every MQTT connection of the member is up and subscribed.
  bool wait_member_ready(const std::string& name, std::chrono::milliseconds timeout = 30s) {
    bool intake = members.at(name).intake;
    return wait_until(
        [&] {
          for (auto* role : {"egress", "responses0", "status0", "intake"})
            if ((intake || std::string_view{role} != "intake") &&
                metric(name, std::string{"mqtt."} + role + ".up") != 1)
              return false;
          return true;
        },
        timeout);
  }

  std::string endpoint(const std::string& name) {
    return "127.0.0.1:" + std::to_string(members.at(name).port);
  }

  /// Waits until every running member's snapshot shows `n` members.
  bool wait_members(const std::vector<std::string>& names, int64_t n,
                    std::chrono::milliseconds timeout = 30s) {
    return wait_until(
        [&] {
          for (auto& name : names)
            if (metric(name, "cluster.members") != n)
              return false;
          return true;
        },
        timeout);
  }

  int64_t sum(const std::vector<std::string>& names, std::string_view metric_name) const {
    int64_t total = 0;
    for (auto& name : names)
      total += metric(name, metric_name);
    return total;
  }

  /// The in-process emulator playing a store of `gateways` gateways and
  /// `esls` ESLs, advertising every 300 ms.
  void start_emulator(size_t gateways, size_t esls, bool observe = true) {
    store_settings ss;
    ss.gateways = gateways;
    ss.esls = esls;
    store = store_of(ss);
    auto eo = store;
    eo.mqtt = test_client(broker.url(), "cluster-emu");
    eo.record_observations = observe;
    emu = std::make_unique<sim::gateway_emulator>(eo, reg);
    REQUIRE(emu->start());
    REQUIRE(emu->wait_ready(10s));
    emu->advertise_every(300ms);
  }

  /// Waits until the members together wrote a full round of adverts.
  bool wait_converged_all(const std::vector<std::string>& names) {
    return wait_until(
        [&] { return sum(names, "status.adverts_applied") >= adverts_per_round(store); }, 30s);
  }
};

/// Stops member `m` with SIGTERM: it must exit 0 with no sanitizer report
/// (the report is shown if there is one).
inline void check_clean_exit(member_proc& m) {
  auto status = signal_and_wait(m.proc, SIGTERM);
  auto log = read_text(m.proc.log_path());
  INFO("member log: " << m.proc.log_path() << "\n" << sanitizer_excerpt(log));
  CHECK(status == 0);
  CHECK_FALSE(has_sanitizer_report(log));
}

/// The member of `names` that owns `esl` (the rule the nodes apply).
inline std::string owner_of(esl_mac esl, const std::vector<std::string>& names) {
  std::vector<uint64_t> hashes;
  for (auto& n : names)
    hashes.push_back(cluster::member_hash(n));
  return names[*cluster::rendezvous_owner(esl.value(), hashes)];
}

/// The home of job `id` among `names` (the rule the intakes apply: the
/// highest rendezvous weight of the job id's hash).
inline std::string home_of(const std::string& id, const std::vector<std::string>& names) {
  auto key = cluster::member_hash(id);
  std::string best;
  uint64_t best_w = 0;
  for (auto& n : names) {
    auto w = cluster::rendezvous_weight(key, cluster::member_hash(n));
    if (best.empty() || w > best_w) {
      best = n;
      best_w = w;
    }
  }
  return best;
}

/// A job id starting with `stem` whose home among `names` is `member`.
inline std::string id_homed_at(const std::string& stem, const std::string& member,
                               const std::vector<std::string>& names) {
  for (int i = 0;; ++i) {
    auto id = stem + "-" + std::to_string(i);
    if (home_of(id, names) == member)
      return id;
  }
}

} // namespace shelfwire::testing
