#pragma once

// A secured mosquitto for tests: test certificates made by
// scripts/make-test-certs.sh, a password file made by mosquitto_passwd, and
// the shipped example (config/examples/mosquitto/: its mosquitto.conf with
// the paths and the port rewritten, its acl as is). Used by the MQTT port's
// TLS tests and by the process test of a node through ssl://.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "runtime/mqtt/client_options.hpp"
#include "tests/support/process.hpp"
#include "tests/support/servers.hpp"

namespace shelfwire::testing::tls_util {

/// The shipped example's directory.
inline std::string example_dir() {
  return std::string{SHELFWIRE_SOURCE_DIR} + "/config/examples/mosquitto";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

/// Replaces every occurrence of `from` in `s`.
inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size()))
    s.replace(i, from.size(), to);
  return s;
}

/// Runs a shell command; throws with its output when it fails.
inline void run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("failed: " + cmd);
}

/// Gateway MACs for the tests (users of the ACL's %u patterns): the first
/// two of gateway_emulator::simple_store.
inline const std::string gw_a = "AA0000000000";
inline const std::string gw_b = "AA0000000001";
/// The emulator's --mqtt.gateway-password: gateway X's password is "pw-X".
inline const std::string gateway_password_pattern = "pw-{gw}";

/// Users and their passwords in the test password file.
inline const std::map<std::string, std::string>& users() {
  static const std::map<std::string, std::string> u = {
      {"shelfwire-node", "node-secret"},
      {"shelfwire-producer", "producer-secret"},
      {"shelfwire-monitor", "monitor-secret"},
      {gw_a, "pw-" + gw_a},
      {gw_b, "pw-" + gw_b},
  };
  return u;
}

/// Certificates (ca.pem; broker, node and client certificates; rogue.pem,
/// self-signed.pem) and the password file, made once per test program.
struct material {
  temp_dir dir;
  material() {
    run("'" + std::string{SHELFWIRE_SOURCE_DIR} + "/scripts/make-test-certs.sh' '" + dir.path() +
        "' broker node client");
    bool first = true;
    for (const auto& [user, pw] : users()) {
      run(std::string{"mosquitto_passwd "} + (first ? "-c " : "") + "-b '" + file("passwd") +
          "' '" + user + "' '" + pw + "'");
      first = false;
    }
    write_file(file("acl"), read_file(example_dir() + "/acl"));
  }
  std::string file(const std::string& name) const { return dir.file(name); }
};

/// The material of this test program (made on first use).
inline const material& shared_material() {
  static const material m;
  return m;
}

/// How a test broker differs from the shipped example.
struct broker_variant {
  std::string certfile = "broker.pem"; ///< e.g. self-signed.pem: a broker nobody should trust
  std::string keyfile = "broker.key";
  bool require_certificate = false;
};

/// The shipped mosquitto.conf for a broker on 127.0.0.1:port, its files in
/// the material's directory, plus the harness's tuning.
inline std::string example_config(uint16_t port, const material& m, const broker_variant& v) {
  auto conf = read_file(example_dir() + "/mosquitto.conf");
  const std::string listen = "\nlistener 8883\n";
  if (conf.find(listen) == std::string::npos)
    throw std::runtime_error("the example has no 'listener 8883' line");
  conf = replace_all(conf, listen, "\nlistener " + std::to_string(port) + " 127.0.0.1\n");
  conf = replace_all(conf, "/etc/mosquitto/shelfwire/broker.pem", m.file(v.certfile));
  conf = replace_all(conf, "/etc/mosquitto/shelfwire/broker.key", m.file(v.keyfile));
  conf = replace_all(conf, "/etc/mosquitto/shelfwire/", m.dir.path() + "/");
  if (v.require_certificate)
    conf = replace_all(conf, "\nrequire_certificate false\n", "\nrequire_certificate true\n");
  // Started as root, mosquitto becomes the user mosquitto before it reads its
  // files (certificates, password file, ACL), which sit in the test's
  // private directory.
  const std::string user = ::geteuid() == 0 ? "user root\n" : "";
  return user + conf + sim::mosquitto_tuning();
}

/// A mosquitto configured like the shipped example.
inline std::unique_ptr<mosquitto_server> example_broker(const broker_variant& v = {}) {
  const auto& m = shared_material();
  return std::make_unique<mosquitto_server>(
      [&](uint16_t port) { return example_config(port, m, v); });
}

inline std::string ssl_url(const mosquitto_server& b) {
  return "ssl://127.0.0.1:" + std::to_string(b.port());
}

/// TLS options that trust the test CA, logged in as `user` (its password
/// from users(), unless `password` is given).
inline mqtt::client_options tls_options(mqtt::client_options o, const std::string& user,
                                        const std::string& password = {}) {
  const auto& m = shared_material();
  o.tls_ca = m.file("ca.pem");
  o.username = user;
  o.password = password.empty() ? users().at(user) : password;
  return o;
}

} // namespace shelfwire::testing::tls_util
