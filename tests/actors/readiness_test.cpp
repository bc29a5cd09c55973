// /readyz's verdict (actors/node/readiness): pure, no actor system.

#include <catch2/catch.hpp>

#include "actors/node/readiness.hpp"
#include "runtime/core/json_reader.hpp"

using namespace shelfwire;

namespace {

readiness_input all_good() {
  readiness_input in;
  in.node = "store17-a";
  in.mqtt = {{"egress", true}, {"responses0", true}, {"intake", true}};
  in.redis_ok = true;
  in.cluster_listening = true;
  in.has_seeds = true;
  in.cluster_joins = 2;
  in.cluster_members = 3;
  return in;
}

} // namespace

TEST_CASE("readiness: ready only when every check passes; the body names what is missing") {
  auto r = evaluate_readiness(all_good());
  CHECK(r.ready);
  CHECK(r.missing.empty());
  auto v = json_parser::parse(r.json);
  REQUIRE(v);
  CHECK((*v)["ready"].boolean);
  CHECK((*v)["node"].text == "store17-a");
  CHECK((*v)["checks"]["mqtt"]["responses0"].boolean);
  CHECK((*v)["checks"]["redis"].text == "ok");
  CHECK((*v)["checks"]["cluster"]["members"].integer() == 3);

  auto in = all_good();
  in.mqtt[1].ready = false;
  in.redis_ok = false;
  in.redis_error = "timeout";
  r = evaluate_readiness(in);
  CHECK_FALSE(r.ready);
  REQUIRE(r.missing.size() == 2);
  CHECK(r.missing[0] == "mqtt: connection 'responses0' not up and subscribed");
  CHECK(r.missing[1] == "redis: no answer to PING (timeout)");
  v = json_parser::parse(r.json);
  REQUIRE(v);
  CHECK_FALSE((*v)["ready"].boolean);
  CHECK((*v)["missing"].array.size() == 2);
  CHECK((*v)["checks"]["redis"].text == "timeout");
}

TEST_CASE("readiness: the cluster is joined once a seed was met; a node left alone stays ready") {
  auto in = all_good();
  in.cluster_listening = false;
  CHECK(evaluate_readiness(in).missing ==
        std::vector<std::string>{"cluster: not listening as a member yet"});
  in = all_good();
  in.cluster_joins = 0;
  in.cluster_members = 1;
  CHECK(evaluate_readiness(in).missing ==
        std::vector<std::string>{"cluster: no member of cluster.seeds reached yet"});
  in.has_seeds = false; // a cluster of one by configuration
  CHECK(evaluate_readiness(in).ready);
  in = all_good();
  in.cluster_members = 1; // the others died after it joined: it owns every ESL now
  CHECK(evaluate_readiness(in).ready);
}

TEST_CASE("readiness: a stopping node and a node without connections are not ready") {
  auto in = all_good();
  in.stopping = true;
  auto r = evaluate_readiness(in);
  CHECK_FALSE(r.ready);
  CHECK(r.missing == std::vector<std::string>{"node: stopping (draining in-flight commands)"});
  in = all_good();
  in.mqtt.clear();
  CHECK_FALSE(evaluate_readiness(in).ready);
}
