#include "sim/harness/ceiling.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "sim/harness/process.hpp"
#include "sim/harness/thread_stats.hpp"
#include "sim/harness/wait.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

double cpu_seconds(int pid) {
  std::ifstream in{"/proc/" + (pid > 0 ? std::to_string(pid) : std::string{"self"}) + "/stat"};
  return proc_stat_cpu_s({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
}

ceiling measure_ceiling(const std::string& rawmq, uint16_t port, int64_t n, int64_t in_flight,
                        const std::string& dir) {
  ceiling c;
  setenv("MQTT_PORT", std::to_string(port).c_str(), 1);
  auto gw = child_process::start({rawmq, "gw", "1"},
                                 dir + "/rawmq-gw-" + std::to_string(in_flight) + ".log");
  if (!wait_until(
          [&] { return gw.log_tail().find("gw ready") != std::string::npos || !gw.running(); },
          10s)) {
    std::cerr << "rawmq gw did not get ready\n";
    return c;
  }
  auto log = dir + "/rawmq-rr-" + std::to_string(in_flight) + ".log";
  auto rr = child_process::start(
      {rawmq, "rr", std::to_string(n), std::to_string(in_flight), "1", "100"}, log);
  auto st = rr.wait_exit(std::chrono::minutes{5});
  gw.stop(2s);
  if (!st || *st != 0) {
    std::cerr << "rawmq rr failed: " << rr.log_tail() << "\n";
    return c;
  }
  // "rawrr: N=... ngw=100: 10795 req/s, RTT us mean=4590 p50=4519 p90=... p99=... max=..."
  auto out = rr.log_tail();
  auto pos = out.find("rawrr:");
  auto colon = pos == std::string::npos ? pos : out.find(": ", pos + 6);
  double mean = 0;
  if (colon == std::string::npos ||
      std::sscanf(out.c_str() + colon + 2, "%lf req/s, RTT us mean=%lf p50=%lf p90=%lf p99=%lf",
                  &c.rps, &mean, &c.p50_us, &c.p90_us, &c.p99_us) != 5) {
    std::cerr << "cannot read rawmq output: " << out << "\n";
    return c;
  }
  c.ok = true;
  return c;
}

} // namespace shelfwire::sim
