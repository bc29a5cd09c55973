// shelfwire-inspect's credentials: a node with inspect.read-token and a
// mutual-TLS cluster link answers views only with the read or admin token,
// and only to a client with a certificate from the cluster's CA; refusals
// are counted; no token reaches the node's log.

#include "tests/integration/security/tls_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::string read_token = "r3ad-t0ken-for-tests";
const std::string admin_token = "adm1n-t0ken-for-tests";

exit_report run_inspect(cluster_env& env, std::vector<std::string> args) {
  static int n = 0;
  args.insert(args.begin(), build_binary("shelfwire-inspect"));
  return run_to_exit(env.dir, "inspect-auth" + std::to_string(++n), std::move(args), 30s);
}

} // namespace

TEST_CASE("inspect: views need the read or admin token, and a certificate on a TLS node",
          "[inspect][security]") {
  cluster_env env;
  auto certs = make_certs(env.dir, "a operator");
  env.connect_clients();
  env.start_member("a", "", true,
                   "\n[inspect]\nread-token = \"" + read_token + "\"\ntoken = \"" + admin_token +
                       "\"\n" + cluster_extra(tls_ini(certs, "a")));
  REQUIRE(env.wait_member_ready("a"));
  auto ep = env.endpoint("a");
  std::vector<std::string> tls = {"--tls-ca",   certs + "/ca.pem",
                                  "--tls-cert", certs + "/operator.pem",
                                  "--tls-key",  certs + "/operator.key"};
  auto with = [&](std::vector<std::string> extra, std::vector<std::string> view) {
    auto args = tls;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(ep);
    args.insert(args.end(), view.begin(), view.end());
    return run_inspect(env, args);
  };

  // No token, a wrong one: refused, for the manager's view and the inspector's.
  auto none = with({}, {"members"});
  CHECK(none.status == 1);
  CHECK(none.err.find("refused: wrong token for the views of node 'a'") != std::string::npos);
  auto wrong = with({"--token", "guess"}, {"node"});
  CHECK(wrong.status == 1);
  CHECK(wrong.err.find("refused") != std::string::npos);
  REQUIRE(wait_until([&] { return env.metric("a", "inspect.refused") >= 2; }, 10s));

  // The read token and the admin token open the views.
  auto members = with({"--token", read_token}, {"members"});
  INFO(members.err);
  CHECK(members.status == 0);
  CHECK(members.out.find(ep) != std::string::npos);
  auto node = with({"--token", admin_token, "--json"}, {"node"});
  CHECK(node.status == 0);
  CHECK(node.out.find("\"cluster_link\":\"mutual_tls\"") != std::string::npos);
  auto table = with({"--token", admin_token}, {"node"});
  CHECK(table.out.find("SECURITY") != std::string::npos);
  CHECK(table.out.find("mutual TLS") != std::string::npos);
  // ... and so does SHELFWIRE_INSPECT_TOKEN (a token off the command line).
  auto env_args = std::vector<std::string>{"/usr/bin/env", "SHELFWIRE_INSPECT_TOKEN=" + read_token,
                                           build_binary("shelfwire-inspect")};
  env_args.insert(env_args.end(), tls.begin(), tls.end());
  env_args.push_back(ep);
  env_args.push_back("members");
  auto from_env = run_to_exit(env.dir, "inspect-auth-env", env_args, 30s);
  CHECK(from_env.status == 0);
  // The read token does not scale.
  auto scale = with({"--token", read_token}, {"scale", "--pool", "routers", "--size", "3"});
  CHECK(scale.status == 1);
  CHECK(scale.err.find("wrong token") != std::string::npos);

  // Without a certificate the client never gets as far as a view.
  auto plain = run_inspect(env, {"--token", read_token, ep, "members"});
  CHECK(plain.status == 1);
  CHECK(plain.err.find("cannot reach a node") != std::string::npos);
  // A certificate from another CA (the client trusts that CA: its own file
  // check passes, the node refuses the handshake).
  auto rogue =
      run_inspect(env, {"--tls-ca", certs + "/rogue-ca.pem", "--tls-cert", certs + "/rogue.pem",
                        "--tls-key", certs + "/rogue.key", "--token", read_token, ep, "members"});
  CHECK(rogue.status == 1);
  CHECK(rogue.err.find("cannot reach a node") != std::string::npos);
  // A bad file is named before any connection.
  auto bad = run_inspect(env, {"--tls-ca", certs + "/ca.pem", "--tls-cert", certs + "/rogue.pem",
                               "--tls-key", certs + "/rogue.key", ep, "members"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--tls-cert") != std::string::npos);

  // The node is still a member of itself, and no token is in its log.
  auto& a = env.members.at("a");
  CHECK(a.proc.running());
  auto log = read_text(a.proc.log_path());
  CHECK(log.find(read_token) == std::string::npos);
  CHECK(log.find(admin_token) == std::string::npos);
  CHECK(log.find("view request refused") != std::string::npos);
  check_clean_exit(a);
}
