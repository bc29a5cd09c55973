// The MQTT port over TLS against a mosquitto configured like the shipped
// example (config/examples/mosquitto/): ssl:// with the CA, the broker's
// certificate and host name verified, passwords, client certificates, and
// the ACL that keeps each gateway to its own topics.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"
#include "tests/integration/mqtt/mqtt_test_util.hpp"
#include "tests/integration/mqtt/mqtt_tls_util.hpp"
#include "tests/support/servers.hpp"
#include "tests/support/wait.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;
using namespace shelfwire::testing::mqtt_util;
using namespace shelfwire::testing::tls_util;
using mqtt::link_state;
using mqtt::publish_errc;

namespace {

/// Bound of every wait for something that should happen.
constexpr auto ready_bound = 10s;

/// A client that must not get a link: started, it fails `attempts` connect
/// attempts in a row (link down each time) and is never up.
void check_refused(const mqtt::client_options& o, size_t attempts = 2) {
  metrics::registry reg;
  state_log states;
  mqtt::client c{o, reg, "t."};
  c.on_state_change(states.observer());
  REQUIRE(c.start());
  CHECK(wait_until([&] { return states.count(link_state::down) >= attempts; }, ready_bound));
  CHECK_FALSE(states.saw(link_state::up));
  CHECK(reg.counter_value("t.connects") == 0);
  c.stop();
}

std::string payload_of(inbox& in, const std::string& topic) {
  for (auto& m : in.snapshot())
    if (m.topic == topic)
      return m.payload;
  return {};
}

bool received(inbox& in, const std::string& topic) {
  auto msgs = in.snapshot();
  return std::any_of(msgs.begin(), msgs.end(), [&](auto& m) { return m.topic == topic; });
}

} // namespace

TEST_CASE("TLS: ssl:// with the CA; node and gateway reach each other; TCP_NODELAY holds") {
  quiet_logs();
  auto broker = example_broker();
  metrics::registry reg;
  inbox node_in;
  inbox gw_in;
  auto node_opts = tls_options(options(ssl_url(*broker), "tls-node"), "shelfwire-node");
  mqtt::client node{node_opts, reg, "node."};
  node.subscribe("$share/shelfwire-responses//gw/+/response", 1, node_in.handler());
  mqtt::client gw{tls_options(options(ssl_url(*broker), "tls-gw"), gw_a), reg, "gw."};
  gw.subscribe("/gw/" + gw_a + "/action", 1, gw_in.handler());
  REQUIRE(node.start());
  REQUIRE(gw.start());
  REQUIRE(node.wait_ready(ready_bound));
  REQUIRE(gw.wait_ready(ready_bound));

  REQUIRE(node.publish("/gw/" + gw_a + "/action", "do it", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return gw_in.size() == 1; }, ready_bound));
  CHECK(payload_of(gw_in, "/gw/" + gw_a + "/action") == "do it");
  REQUIRE(gw.publish("/gw/" + gw_a + "/response", "done", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return node_in.size() == 1; }, ready_bound));
  CHECK(payload_of(node_in, "/gw/" + gw_a + "/response") == "done");
  CHECK(wait_until([&] { return reg.counter_value("node.delivery_complete") == 1; }, ready_bound));

  // The TLS sockets are TCP sockets to the broker's port: the scan finds them.
  auto nd = nodelay_of_sockets_to(broker->port());
  CHECK(nd.size() == 2);
  CHECK(std::all_of(nd.begin(), nd.end(), [](int v) { return v == 1; }));
}

TEST_CASE("TLS: a broker the CA does not vouch for is refused") {
  quiet_logs();
  const auto& m = shared_material();
  SECTION("another CA in mqtt.tls-ca") {
    auto broker = example_broker();
    auto o = tls_options(options(ssl_url(*broker), "tls-wrong-ca"), "shelfwire-node");
    o.tls_ca = m.file("rogue-ca.pem");
    check_refused(o);
  }
  SECTION("a self-signed broker certificate") {
    broker_variant v;
    v.certfile = "self-signed.pem";
    v.keyfile = "self-signed.key";
    auto broker = example_broker(v);
    check_refused(tls_options(options(ssl_url(*broker), "tls-self-signed"), "shelfwire-node"));
  }
  SECTION("the system store, which does not hold the test CA") {
    auto broker = example_broker();
    auto o = tls_options(options(ssl_url(*broker), "tls-system-store"), "shelfwire-node");
    o.tls_ca.clear();
    check_refused(o);
  }
  SECTION("plain tcp:// to a TLS listener") {
    auto broker = example_broker();
    auto o = options(broker->url(), "tls-plain");
    o.username = "shelfwire-node";
    o.password = users().at("shelfwire-node");
    check_refused(o);
  }
}

TEST_CASE("TLS: the broker's certificate must name the host unless tls_verify_host is off") {
  quiet_logs();
  auto broker = example_broker();
  // The same listener through an address the certificate does not name (it
  // names DNS:broker, DNS:localhost, IP:127.0.0.1): IPv4-mapped IPv6.
  const std::string url = "ssl://[::ffff:127.0.0.1]:" + std::to_string(broker->port());
  auto o = tls_options(options(url, "tls-host"), "shelfwire-node");
  check_refused(o);
  o.tls_verify_host = false;
  metrics::registry reg;
  mqtt::client c{o, reg, "t."};
  REQUIRE(c.start());
  CHECK(c.wait_ready(ready_bound));
  // And by name: localhost is in the certificate.
  mqtt::client by_name{
      tls_options(options("ssl://localhost:" + std::to_string(broker->port()), "tls-localhost"),
                  "shelfwire-node"),
      reg, "n."};
  REQUIRE(by_name.start());
  CHECK(by_name.wait_ready(ready_bound));
}

TEST_CASE("TLS: a wrong password, an unknown user or none at all is refused") {
  quiet_logs();
  auto broker = example_broker();
  const auto url = ssl_url(*broker);
  check_refused(tls_options(options(url, "pw-wrong"), "shelfwire-node", "not-the-password"));
  check_refused(tls_options(options(url, "pw-unknown"), "somebody", "whatever"));
  // Gateway A's password is not gateway B's.
  check_refused(tls_options(options(url, "pw-other-gw"), gw_b, users().at(gw_a)));
  auto anonymous = tls_options(options(url, "pw-none"), "shelfwire-node");
  anonymous.username.clear();
  anonymous.password.clear();
  check_refused(anonymous);
}

TEST_CASE("TLS: with require_certificate, only certificates from the CA get in") {
  quiet_logs();
  const auto& m = shared_material();
  broker_variant v;
  v.require_certificate = true;
  auto broker = example_broker(v);
  const auto url = ssl_url(*broker);
  auto with_cert = [&](const std::string& id, const std::string& name) {
    auto o = tls_options(options(url, id), "shelfwire-node");
    o.tls_certificate = m.file(name + ".pem");
    o.tls_key = m.file(name + ".key");
    return o;
  };
  metrics::registry reg;
  mqtt::client good{with_cert("cert-good", "node"), reg, "t."};
  REQUIRE(good.start());
  CHECK(good.wait_ready(ready_bound));
  check_refused(tls_options(options(url, "cert-none"), "shelfwire-node"));
  check_refused(with_cert("cert-rogue", "rogue"));
  check_refused(with_cert("cert-self-signed", "self-signed"));
}

TEST_CASE("TLS ACL: gateway A can neither publish on gateway B's topics nor read B's actions") {
  quiet_logs();
  auto broker = example_broker();
  const auto url = ssl_url(*broker);
  metrics::registry reg;
  inbox node_in; // reads every gateway's responses and status, as the node does
  inbox a_in;
  mqtt::client node{tls_options(options(url, "acl-node"), "shelfwire-node"), reg, "node."};
  node.subscribe("$share/shelfwire-responses//gw/+/response", 1, node_in.handler());
  node.subscribe("$share/shelfwire-status//gw/+/status", 1, node_in.handler());
  mqtt::client a{tls_options(options(url, "acl-gw-a"), gw_a), reg, "a."};
  // A asks for B's actions too (refused by the broker; A's own still work).
  a.subscribe("/gw/" + gw_a + "/action", 1, a_in.handler());
  a.subscribe("/gw/" + gw_b + "/action", 1, a_in.handler());
  REQUIRE(node.start());
  REQUIRE(a.start());
  REQUIRE(node.wait_ready(ready_bound));
  REQUIRE(a.wait_ready(ready_bound));

  // A publishes as B, then on its own topics. One connection, QoS 1, in
  // order: when A's own messages have arrived, B's would have too.
  const std::string b_response = "/gw/" + gw_b + "/response";
  const std::string b_status = "/gw/" + gw_b + "/status";
  REQUIRE(a.publish(b_response, "forged answer", 1) == publish_errc::ok);
  REQUIRE(a.publish(b_status, "forged status", 1) == publish_errc::ok);
  REQUIRE(a.publish("/gw/" + gw_a + "/response", "own answer", 1) == publish_errc::ok);
  REQUIRE(a.publish("/gw/" + gw_a + "/status", "own status", 1) == publish_errc::ok);
  REQUIRE(wait_until(
      [&] {
        return received(node_in, "/gw/" + gw_a + "/response") &&
               received(node_in, "/gw/" + gw_a + "/status");
      },
      ready_bound));
  // A round trip more through the broker (the node's own publish to A) before looking.
  REQUIRE(node.publish("/gw/" + gw_a + "/action", "marker", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return received(a_in, "/gw/" + gw_a + "/action"); }, ready_bound));
  CHECK_FALSE(received(node_in, b_response));
  CHECK_FALSE(received(node_in, b_status));
  CHECK(node_in.size() == 2);

  // B's actions do not reach A, A's own do (after B's: in order again).
  REQUIRE(node.publish("/gw/" + gw_b + "/action", "for B only", 1) == publish_errc::ok);
  REQUIRE(node.publish("/gw/" + gw_a + "/action", "for A", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return a_in.size() == 2; }, ready_bound));
  CHECK_FALSE(received(a_in, "/gw/" + gw_b + "/action"));
  CHECK(a_in.size() == 2);

  // The node reads nothing it was not given: a gateway's actions.
  inbox snoop;
  mqtt::client node2{tls_options(options(url, "acl-node-snoop"), "shelfwire-node"), reg, "n2."};
  node2.subscribe("/gw/+/action", 1, snoop.handler());
  REQUIRE(node2.start());
  REQUIRE(node2.wait_ready(ready_bound));
  REQUIRE(node.publish("/gw/" + gw_a + "/action", "not for the node", 1) == publish_errc::ok);
  REQUIRE(wait_until([&] { return a_in.size() == 3; }, ready_bound));
  CHECK(snoop.size() == 0);
}

TEST_CASE("TLS options are checked before connecting, naming the option") {
  quiet_logs();
  const auto& m = shared_material();
  mqtt::client_options o;
  o.url = "ssl://127.0.0.1:8883";
  o.tls_ca = m.file("ca.pem");
  CHECK(mqtt::check_tls_options(o).empty());
  o.tls_ca = "/nonexistent/ca.pem";
  CHECK(mqtt::check_tls_options(o) ==
        "mqtt.tls-ca: cannot read '/nonexistent/ca.pem': No such file or directory");
  o.tls_ca = m.dir.path();
  CHECK(mqtt::check_tls_options(o) ==
        "mqtt.tls-ca: cannot read '" + m.dir.path() + "': not a regular file");
  o.tls_ca = m.file("ca.pem");
  o.tls_certificate = m.file("node.pem");
  CHECK(mqtt::check_tls_options(o) ==
        "mqtt.tls-key must be set when mqtt.tls-certificate is (a client certificate needs its "
        "key)");
  o.tls_key = "/nonexistent/node.key";
  mqtt::tls_option_names flags{"--mqtt", "--tls-ca", "--tls-cert", "--tls-key"};
  CHECK(mqtt::check_tls_options(o, flags) ==
        "--tls-key: cannot read '/nonexistent/node.key': No such file or directory");
  o.tls_key = m.file("node.key");
  CHECK(mqtt::check_tls_options(o).empty());
  o.url = "tcp://127.0.0.1:1883";
  CHECK(mqtt::check_tls_options(o) ==
        "mqtt.tls-ca is set, but mqtt.url 'tcp://127.0.0.1:1883' does not use TLS: use "
        "ssl://host:port (or leave mqtt.tls-ca empty)");

  // start() refuses such options (and logs the sentence).
  metrics::registry reg;
  o.url = "ssl://127.0.0.1:8883";
  o.tls_ca = "/nonexistent/ca.pem";
  mqtt::client c{o, reg, "t."};
  CHECK_FALSE(c.start());
}
