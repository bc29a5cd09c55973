#include "actors/node/readiness.hpp"

#include "runtime/core/json_writer.hpp"

namespace shelfwire {

readiness evaluate_readiness(const readiness_input& in) {
  readiness r;
  if (in.stopping)
    r.missing.push_back("node: stopping (draining in-flight commands)");
  for (auto& l : in.mqtt)
    if (!l.ready)
      r.missing.push_back("mqtt: connection '" + l.role + "' not up and subscribed");
  if (in.mqtt.empty())
    r.missing.push_back("mqtt: no connections");
  if (!in.redis_ok)
    r.missing.push_back("redis: no answer to PING (" +
                        (in.redis_error.empty() ? std::string{"unknown"} : in.redis_error) + ")");
  bool joined = in.cluster_listening && (!in.has_seeds || in.cluster_joins > 0);
  if (!in.cluster_listening)
    r.missing.push_back("cluster: not listening as a member yet");
  else if (!joined)
    r.missing.push_back("cluster: no member of cluster.seeds reached yet");
  r.ready = r.missing.empty();
  json_writer w;
  w.begin_object().field("ready", r.ready).field("node", in.node);
  w.key("missing").begin_array();
  for (auto& m : r.missing)
    w.value(m);
  w.end_array();
  w.key("checks").begin_object();
  w.key("mqtt").begin_object();
  for (auto& l : in.mqtt)
    w.field(l.role, l.ready);
  w.end_object();
  w.field("redis", in.redis_ok ? std::string{"ok"} : in.redis_error);
  w.key("cluster")
      .begin_object()
      .field("joined", joined)
      .field("members", in.cluster_members)
      .end_object();
  w.field("stopping", in.stopping);
  w.end_object();
  w.end_object();
  r.json = w.take() + "\n";
  return r;
}

} // namespace shelfwire
