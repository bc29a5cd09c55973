// The nodes' presence at the end of a run, as the broker holds it: after the
// nodes stopped (offline, stopped) and the killed one's will came (offline,
// lost). What shelfwire-inspect's `members` view shows for the same nodes.

#include <algorithm>
#include <ostream>

#include "sim/harness/wait.hpp"
#include "sim/runner/run_state.hpp"

namespace shelfwire::sim {

using namespace std::chrono_literals;

void collect_presence(run_state& r) {
  if (!r.presence)
    return;
  auto& rep = r.rep;
  // Every node we started says offline: a clean exit publishes it before the
  // process ends, the broker publishes a killed node's will when its socket
  // closes (at once) or its keep-alive runs out (1.5 x mqtt.keepalive-s).
  auto settled = [&] {
    for (auto& n : r.env.node_names)
      if (!r.presence->is(n, cluster::presence_state::offline))
        return false;
    return true;
  };
  if (!r.rep.external && !wait_until(settled, 20s))
    r.out << "presence: not every node is offline on '" << r.sc.presence_topic
          << "' 20 s after the stop\n";
  for (auto& [node, e] : r.presence->all())
    rep.presence[node] = {std::string{cluster::to_string(e.p.state)}, e.p.reason};
  if (rep.killed_node.empty())
    return;
  auto e = r.presence->get(rep.killed_node);
  if (e && !e->p.online() && e->p.reason == cluster::presence_lost && e->since_ms > 0 &&
      r.kill_wall_ms > 0)
    rep.presence_lost_after_ms = std::max<int64_t>(0, e->since_ms - r.kill_wall_ms);
}

} // namespace shelfwire::sim
