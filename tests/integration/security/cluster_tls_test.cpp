// The cluster link under mutual TLS (caf_openssl), with real node processes:
// members with certificates from the cluster's CA form a cluster and run a
// job whose replies cross the TLS link; a node with another CA's certificate,
// a self-signed one or none, raw garbage and the crafted BASP packet that
// crashes a plain CAF 0.17.6 endpoint change nothing; a node presenting a
// live member's name is refused (and admitted once that member is gone); a
// broken TLS file stops the node naming the key.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "sim/harness/http_get.hpp"
#include "tests/integration/security/tls_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::vector<std::string> ab = {"a", "b"};

/// a and b with certificates from the test CA; b joins through a.
std::string start_tls_pair(cluster_env& env) {
  auto certs = make_certs(env.dir, "a b c");
  env.connect_clients();
  env.start_member("a", "", true, cluster_extra(tls_ini(certs, "a")));
  env.start_member("b", env.endpoint("a"), false, cluster_extra(tls_ini(certs, "b")));
  for (auto& n : ab)
    REQUIRE(env.wait_member_ready(n));
  REQUIRE(env.wait_members(ab, 2));
  return certs;
}

/// Connects to 127.0.0.1:port, writes `bytes`, waits for the peer to close
/// (or `linger`), closes. False if the connection could not be made.
bool send_raw(uint16_t port, const std::string& bytes, std::chrono::milliseconds linger) {
  int fd = sim::connect_loopback(port, static_cast<long>(linger.count()));
  if (fd < 0)
    return false;
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  char buf[256];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
  return true;
}

/// The 36-byte BASP header (plus payload) that crashes a plain CAF 0.17.6
/// endpoint (issue 13): operation 0, payload length 16, zeroed ids.
std::string crafted_basp_packet() {
  std::string p(1, '\0');
  p += std::string(3, '\0');
  p += std::string{'\0', '\0', '\0', '\0'};   // operation data
  p += std::string{'\0', '\0', '\0', '\x10'}; // payload length 16
  p += std::string(24, '\0');
  p += std::string(1000, 'A');
  return p;
}

std::string garbage(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  return s;
}

} // namespace

TEST_CASE("mutual TLS: two members form a cluster and replies cross the TLS link",
          "[security][tls]") {
  cluster_env env;
  start_tls_pair(env);
  for (auto& n : ab)
    CHECK(log_has(env.members.at(n).proc, "cluster link: mutual TLS, certificate /CN=" + n));
  CHECK(run_store_job(env, ab, "tls-job", 400) == 400);
  // Replies that land on the node that does not hold the command reach it
  // over the TLS link (how many depends on the broker's round robin: 54 of
  // 400 in one run).
  REQUIRE(wait_until([&] { return env.sum(ab, "replies.received") >= 400; }, 10s));
  auto crossed = env.sum(ab, "replies.crossed");
  std::printf("[security] TLS cluster of 2: 400 of 400 acked, %lld replies crossed nodes\n",
              static_cast<long long>(crossed));
  CHECK(crossed >= 10);
  for (auto& n : ab)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("intruders at a TLS cluster port change nothing: another CA, self-signed, no TLS, "
          "garbage, the crafted BASP packet",
          "[security][tls]") {
  cluster_env env;
  auto certs = start_tls_pair(env);
  auto joins_before = env.sum(ab, "cluster.joins");
  auto seed = env.endpoint("a");
  // Three nodes that try to join through a, with every kind of wrong
  // credential; none takes jobs.
  env.start_member("rogue", seed, false, cluster_extra(tls_ini(certs, "rogue", "rogue-ca.pem")));
  env.start_member("selfsigned", seed, false,
                   cluster_extra(tls_ini(certs, "self-signed", "self-signed.pem")));
  env.start_member("plain", seed, false);
  for (auto* n : {"rogue", "selfsigned", "plain"}) {
    INFO(n);
    CHECK(wait_until([&] { return log_has(env.members.at(n).proc, "cannot join " + seed); }, 30s));
  }
  // Raw bytes at both ports: the crafted packet, then 64 KiB of garbage.
  for (auto& n : ab) {
    CHECK(send_raw(env.members.at(n).port, crafted_basp_packet(), 2s));
    CHECK(send_raw(env.members.at(n).port, garbage(64 * 1024), 2s));
  }
  // Each intruder tried at least twice (gossip retries every 300 ms) ...
  for (auto* n : {"rogue", "selfsigned", "plain"})
    CHECK(wait_until([&] { return env.metric(n, "cluster.members") == 1; }, 10s));
  // ... and the members saw nothing: still two, never down, no new join.
  for (auto& n : ab) {
    INFO(n);
    CHECK(env.members.at(n).proc.running());
    CHECK(env.metric(n, "cluster.members") == 2);
    CHECK(env.metric(n, "cluster.downs") == 0);
  }
  CHECK(env.sum(ab, "cluster.joins") == joins_before);
  for (auto* n : {"rogue", "selfsigned", "plain"})
    check_clean_exit(env.members.at(n));
  // And they still work: a job through the TLS cluster.
  CHECK(run_store_job(env, ab, "after-intruders", 200) == 200);
  CHECK(env.sum(ab, "cluster.downs") == 0);
  for (auto& n : ab)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("a node presenting a live member's name is refused, and admitted once the member is "
          "gone",
          "[security][tls]") {
  cluster_env env;
  auto certs = start_tls_pair(env);
  // A second "b" (a valid certificate: c's) in its own directory.
  temp_dir other;
  auto port = free_port();
  while (port == env.members.at("a").port || port == env.members.at("b").port)
    port = free_port();
  auto s =
      env.member_settings("b", port, env.endpoint("a"), false, cluster_extra(tls_ini(certs, "c")));
  auto impostor = start_node(other, s);
  show_logs_on_failure impostor_log{{"impostor b", &impostor}};
  auto& a = env.members.at("a");
  REQUIRE(wait_until(
      [&] { return log_has(a.proc, "refused: the name 'b' belongs to a live member"); }, 30s));
  REQUIRE(wait_until([&] { return log_has(impostor, "join refused"); }, 10s));
  REQUIRE(wait_until([&] { return env.metric("a", "cluster.refused") >= 1; }, 10s));
  CHECK(env.metric("a", "cluster.members") == 2);
  CHECK(env.metric("a", "cluster.downs") == 0);
  CHECK(env.members.at("b").proc.running());
  // The real b dies: the other one is admitted under its name.
  env.members.at("b").proc.signal(SIGKILL);
  REQUIRE(env.members.at("b").proc.wait_exit(10s));
  REQUIRE(wait_until(
      [&] {
        auto log = read_text(a.proc.log_path());
        return log.find("member 'b' joined at 127.0.0.1:" + std::to_string(port)) !=
               std::string::npos;
      },
      30s));
  auto status = signal_and_wait(impostor, SIGTERM);
  CHECK(status == 0);
  check_clean_exit(a);
}

TEST_CASE("a broken cluster TLS file stops the node, naming the key", "[security][tls]") {
  process_env env;
  auto certs = make_certs(env.dir, "a b");
  struct bad_case {
    std::string lines;
    std::string message;
  };
  std::vector<bad_case> cases = {
      {"tls-ca = \"" + certs + "/ca.pem\"\ntls-certificate = \"" + certs +
           "/a.pem\"\ntls-key = \"" + certs + "/b.key\"\n",
       "cluster.tls-key: '" + certs + "/b.key' is not the key of the certificate"},
      {"tls-ca = \"" + certs + "/ca.pem\"\ntls-certificate = \"" + certs +
           "/rogue.pem\"\ntls-key = \"" + certs + "/rogue.key\"\n",
       "does not verify against the CA"},
      {"tls-ca = \"" + certs + "/missing.pem\"\ntls-certificate = \"" + certs +
           "/a.pem\"\ntls-key = \"" + certs + "/a.key\"\n",
       "cluster.tls-ca: cannot read '" + certs + "/missing.pem'"},
  };
  int i = 0;
  for (auto& c : cases) {
    INFO(c.message);
    auto s = env.node("bad-tls-" + std::to_string(i++));
    s.extra_ini = cluster_extra(c.lines);
    auto ini = env.dir.file(s.name + ".ini");
    write_text(ini, node_ini(s));
    auto r = run_to_exit(env.dir, s.name, {build_binary("shelfwire-node"), "--config", ini});
    REQUIRE(r.status);
    CHECK(*r.status != 0);
    CHECK(r.err.find(c.message) != std::string::npos);
    if (r.err.find(c.message) == std::string::npos)
      WARN(r.err);
  }
}
