#pragma once

#include <cstdint>
#include <string>

namespace shelfwire::sim {

/// CPU seconds (user + system) a process has used so far; pid <= 0: this one.
double cpu_seconds(int pid);

/// The bare broker's request/reply ceiling, as rawmq measured it.
struct ceiling {
  bool ok = false;
  double rps = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0;
};

/// Runs rawmq's request/reply (`../shared/tools/mqtt-ceiling`) against the
/// broker on 127.0.0.1:`port`: `rawmq gw 1` answers, `rawmq rr N W 1 100`
/// asks, N requests with `in_flight` outstanding, QoS 1. Logs go to `dir`.
ceiling measure_ceiling(const std::string& rawmq, uint16_t port, int64_t n, int64_t in_flight,
                        const std::string& dir);

} // namespace shelfwire::sim
