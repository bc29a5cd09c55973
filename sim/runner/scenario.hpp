#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/schema.hpp"

namespace shelfwire::sim {

/// A simulation scenario: what to start, what load to drive, how gateways
/// behave. Read from an INI file (`--scenario FILE`, sections below) plus
/// `--section.key=value` overrides. Documented in sim/README.md.
struct scenario {
  // [scenario]
  std::string name = "unnamed";
  std::string description;
  // [cluster]
  int64_t nodes = 1;      ///< shelfwire-node processes to start
  std::string node_args;  ///< extra `--section.key=value ...` for every node
  std::string broker_url; ///< empty: start our own mosquitto
  std::string redis_host; ///< empty: start our own redis-server
  int64_t redis_port = 6379;
  // [store]
  int64_t gateways = 10;
  int64_t esls = 1000;
  int64_t extra_hearers = 1;
  int64_t seed = 1;
  int64_t status_interval_ms = 0; ///< gateways re-advertise this often; 0 = once
  // [gateway]
  int64_t reply_delay_ms = 0;
  int64_t reply_jitter_ms = 0;
  int64_t nack_per_mille = 0;
  int64_t nack_code = 2;
  int64_t no_reply_per_mille = 0;
  int64_t duplicate_per_mille = 0;
  bool legacy = false;
  // [producer]
  int64_t workers = 10;          ///< closed loop: concurrent workers
  int64_t tasks = 100;           ///< tasks in total
  int64_t commands_per_task = 2; ///< commands per task (thesis: 2)
  int64_t task_timeout_ms = 300'000;
  // [report]
  std::string report_path; ///< JSON report; empty = none
  int64_t progress_interval_ms = 1000;
  std::string log_level = "warn";
};

/// The schema of scenario files (and of shelfwire-sim's overrides).
const config::schema<scenario>& scenario_schema();

} // namespace shelfwire::sim
