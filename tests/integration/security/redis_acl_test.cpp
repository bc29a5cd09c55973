// Redis with least privilege: the shipped ACL (config/examples/redis/users.acl)
// loaded into a real redis-server; a node process runs a job through it with
// its password from the environment; the node's user can do nothing else; a
// wrong password is refused (logged, never the password) and the node keeps
// running.

#include <fstream>
#include <sstream>

#include "runtime/redis/connection.hpp"
#include "tests/integration/security/tls_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::vector<std::string> just_a = {"a"};
const std::string node_password = "n0de-pw-for-tests";
const std::string admin_password = "adm1n-pw-for-tests";

/// The tokens after `user NAME` of the shipped ACL's line for `name`, with
/// its example password replaced by `password`.
std::vector<std::string> shipped_acl_rules(const std::string& name, const std::string& password) {
  std::ifstream in{std::string{SHELFWIRE_SOURCE_DIR} + "/config/examples/redis/users.acl"};
  REQUIRE(in);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words{line};
    std::string user, who;
    words >> user >> who;
    if (user != "user" || who != name)
      continue;
    std::vector<std::string> rules;
    for (std::string w; words >> w;)
      rules.push_back(w[0] == '>' ? ">" + password : w);
    return rules;
  }
  FAIL("no line for user " << name << " in users.acl");
  return {};
}

redis::connection_options as_user(uint16_t port, const std::string& user,
                                  const std::string& password) {
  redis::connection_options o;
  o.port = port;
  o.username = user;
  o.password = password;
  o.connect_timeout_ms = 2000;
  o.command_timeout_ms = 2000;
  o.reconnect_min_ms = 10;
  o.reconnect_max_ms = 50;
  return o;
}

/// Runs one command; the reply (an error reply is a reply).
redis::reply run(redis::connection& c, const redis::command& cmd) {
  redis::reply r;
  REQUIRE(c.call(cmd, r) == redis::errc::ok);
  return r;
}

/// Loads the shipped node rules and an admin, and turns the default user off.
void load_acl(uint16_t port, metrics::registry& reg) {
  redis::connection root{as_user(port, "", ""), reg, "test.redis.root."};
  redis::command admin{"ACL", "SETUSER", "test-admin", "on", ">" + admin_password,
                       "~*",  "&*",      "+@all"};
  REQUIRE_FALSE(run(root, admin).is_error());
  redis::command node{"ACL", "SETUSER", "shelfwire-node"};
  for (auto& r : shipped_acl_rules("shelfwire-node", node_password))
    node.push_back(r);
  auto set = run(root, node);
  INFO(set.str);
  REQUIRE_FALSE(set.is_error());
  REQUIRE_FALSE(run(root, {"ACL", "SETUSER", "default", "off"}).is_error());
}

} // namespace

TEST_CASE("Redis ACL: a node runs with the shipped least-privilege user and nothing more",
          "[security][redis]") {
  cluster_env env;
  metrics::registry reg;
  load_acl(env.redis.port(), reg);

  // Unauthenticated clients are refused now.
  {
    redis::connection anon{as_user(env.redis.port(), "", ""), reg, "test.redis.anon."};
    redis::reply r;
    auto e = anon.call({"GET", "sw:rt-born"}, r);
    CHECK((e != redis::errc::ok || r.is_error()));
  }
  // The node's user can touch nothing but the routing table.
  {
    redis::connection nu{as_user(env.redis.port(), "shelfwire-node", node_password), reg,
                         "test.redis.node."};
    for (redis::command forbidden : {redis::command{"FLUSHALL"},
                                     {"KEYS", "*"},
                                     {"CONFIG", "GET", "*"},
                                     {"GET", "other"},
                                     {"SET", "sw:other", "x"},
                                     {"SCAN", "0"},
                                     {"EVAL", "return 1", "0"},
                                     {"PUBLISH", "c", "m"},
                                     {"ACL", "LIST"}}) {
      auto r = run(nu, forbidden);
      INFO(forbidden[0]);
      CHECK(r.is_error());
      CHECK(r.str.find("NOPERM") != std::string::npos);
    }
    CHECK_FALSE(run(nu, {"GET", "sw:rt-born"}).is_error());
    CHECK_FALSE(run(nu, {"HGETALL", "sw:rt:AABBCCDDEEFF"}).is_error());
  }

  // A node with that user (the password from the environment) runs a job.
  ::setenv("SHELFWIRE_TEST_REDIS_PASSWORD", node_password.c_str(), 1);
  env.connect_clients();
  env.start_member("a", "", true,
                   "\n[redis]\nusername = shelfwire-node\npassword = "
                   "\"$__env{SHELFWIRE_TEST_REDIS_PASSWORD}\"\n");
  ::unsetenv("SHELFWIRE_TEST_REDIS_PASSWORD");
  REQUIRE(env.wait_member_ready("a"));
  CHECK(run_store_job(env, just_a, "acl-job", 300) == 300);
  auto& a = env.members.at("a");
  CHECK_FALSE(log_has(a.proc, node_password));
  CHECK_FALSE(log_has(a.proc, "NOPERM"));
  check_clean_exit(a);
}

TEST_CASE("Redis ACL: a wrong password is refused, logged without the password, and the node "
          "keeps running",
          "[security][redis]") {
  cluster_env env;
  metrics::registry reg;
  load_acl(env.redis.port(), reg);
  env.connect_clients();
  env.start_member("a", "", true,
                   "\n[redis]\nusername = shelfwire-node\npassword = \"wr0ng-pw\"\n");
  REQUIRE(env.wait_member_ready("a")); // MQTT is fine
  env.start_emulator(2, 50);           // adverts: the node connects to Redis to write them
  auto& a = env.members.at("a");
  REQUIRE(wait_until([&] { return log_has(a.proc, "refused AUTH"); }, 20s));
  CHECK(log_has(a.proc, "WRONGPASS"));
  CHECK_FALSE(log_has(a.proc, "wr0ng-pw"));
  CHECK(a.proc.running());
  check_clean_exit(a);
}
