#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "sim/emulator/behavior_options.hpp"

namespace shelfwire::sim {

/// A simulation scenario: what to start, what load to drive, how gateways
/// behave. Read from an INI file (`--scenario FILE`, sections below) plus
/// `--section.key=value` overrides. Documented in sim/README.md.
struct scenario {
  // [scenario]
  std::string name = "unnamed";
  std::string description;
  // [cluster]
  int64_t nodes = 1;      ///< shelfwire-node processes to start; 0 = a running cluster
  std::string node_args;  ///< extra `--section.key=value ...` for every node
  std::string broker_url; ///< empty: start our own mosquitto
  std::string redis_host; ///< empty: start our own redis-server
  int64_t redis_port = 6379;
  int64_t redis_restart_at_ms = 0;         ///< restart our own redis-server (empty) then; 0 = never
  int64_t kill_node_at_ms = 0;             ///< kill -9 node kill_node then; 0 = never
  int64_t kill_node = 0;                   ///< index of the node to kill (0 = the first)
  int64_t routers = 0;                     ///< routers.pool-size of every node; 0 = node default
  std::string reply_routing = "addressed"; ///< cluster.reply-routing of every node
  std::string metrics_topic = "shelfwire/metrics"; ///< the nodes' metrics.topic
  std::string presence_topic = "shelfwire/nodes";  ///< the nodes' presence.topic; empty: none
  // [store]
  std::string model = "floor"; ///< "floor" (floor plan, path loss) or "simple"
  int64_t stores = 1;          ///< a chain: stores with distinct gateways and ESLs
  int64_t gateways = 10;       ///< per store
  int64_t esls = 1000;         ///< per store
  int64_t extra_hearers = 1;   ///< simple model: neighbours that also hear an ESL
  int64_t width_m = 60;        ///< floor model
  int64_t depth_m = 40;
  int64_t tx_power_dbm = -40;
  std::string path_loss_exponent = "2.7";
  int64_t sensitivity_dbm = -90;
  int64_t max_hearers = 4;
  int64_t rssi_noise_db = 2; ///< per-advert RSSI noise (standard deviation)
  int64_t seed = 1;
  int64_t status_interval_ms = 0; ///< gateways re-advertise this often; 0 = once
  int64_t moving_esls = 0;        ///< ESLs moved every move-interval-ms
  int64_t move_interval_ms = 1000;
  // [gateway]
  behavior_options behavior;      ///< how every gateway answers (legacy: all of them)
  int64_t legacy_gateways = 0;    ///< or only the first N of each store are legacy
  int64_t outage_gateways = 0;    ///< gateways of store 0 that go silent ...
  int64_t outage_start_ms = 0;    ///< ... this long after the load starts ...
  int64_t outage_duration_ms = 0; ///< ... for this long
  // [producer]
  std::string mode = "closed";   ///< closed (workers), open (a rate), reprice (a store at once)
  int64_t workers = 10;          ///< closed loop: concurrent workers
  int64_t tasks = 100;           ///< tasks in total
  int64_t commands_per_task = 2; ///< commands per task (thesis: 2)
  int64_t task_timeout_ms = 300'000;
  int64_t resubmit_after_ms = 0;   ///< producer.resubmit-after-ms
  int64_t rate_tps = 100;          ///< open loop: tasks per second
  int64_t reprice_store = 0;       ///< reprice: the store whose every ESL gets a price
  int64_t urgent_at_per_mille = 0; ///< one urgent single-ESL job once this share has ended
  // [report]
  std::string report_path; ///< JSON report; empty = none
  int64_t progress_interval_ms = 1000;
  std::string log_level = "warn";
  bool histograms = true; ///< PNG histograms next to the report (gnuplot)
  bool ceiling = false;   ///< measure the bare broker's request/reply ceiling first
  int64_t ceiling_requests = 30'000;
};

/// The schema of scenario files (and of shelfwire-sim's overrides).
const config::schema<scenario>& scenario_schema();

} // namespace shelfwire::sim
