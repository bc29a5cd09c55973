#include "sim/runner/run_state.hpp"

#include <sys/resource.h>

#include <ostream>

#include "sim/harness/ceiling.hpp"
#include "sim/harness/wait.hpp"

namespace shelfwire::sim {

namespace {

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

} // namespace

cpu_sample cpu_now(const environment& env) {
  cpu_sample c;
  c.sim = self_cpu_seconds();
  for (auto& n : env.nodes) {
    c.nodes += cpu_seconds(n.pid());
    c.node_threads.push_back(sample_threads(n.pid()));
  }
  if (env.broker)
    c.broker = cpu_seconds(env.broker->pid());
  if (env.redis)
    c.redis = cpu_seconds(env.redis->pid());
  return c;
}

mqtt::client_options client_opts(const std::string& url, const std::string& id) {
  mqtt::client_options o;
  o.url = url;
  o.client_id = id;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 1000;
  return o;
}

run_state::run_state(const scenario& s, std::ostream& o, const run_control& c)
    : sc(s)
    , out(o)
    , ctl(c) {
  rep.scenario = sc.name;
  rep.mode = sc.mode;
  rep.nodes = sc.nodes;
  rep.external = sc.nodes == 0;
}

bool run_state::wait_or_stop(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  return wait_until([&] { return ctl.stop.load() || pred(); }, timeout) && !ctl.stop;
}

void run_state::interrupted() {
  out << "stop requested before the load began: stopping what the run started\n";
  rep.interrupted = true;
}

int64_t run_state::delta(const std::string& counter) const {
  auto i = base.find(counter);
  return watch->sum(counter) - (i == base.end() ? 0 : i->second);
}

int64_t run_state::load_elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               load_start)
      .count();
}

} // namespace shelfwire::sim
