#pragma once

// Test certificates (scripts/make-test-certs.sh) and a mutual-TLS cluster of
// real node processes.

#include <cstdlib>
#include <string>

#include "tests/integration/cluster/cluster_support.hpp"

namespace shelfwire::testing {

/// A test CA with a certificate per name, a rogue one (another CA) and a
/// self-signed one, made with the openssl command line in `dir`.
inline std::string make_certs(const temp_dir& dir, const std::string& names) {
  auto out = dir.file("certs");
  auto cmd = std::string{SHELFWIRE_SOURCE_DIR} + "/scripts/make-test-certs.sh '" + out + "' " +
             names + " > '" + dir.file("certs.log") + "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return out;
}

/// The [cluster] TLS lines for a member presenting `cert` (a name given to
/// make_certs, or rogue / self-signed) and trusting `ca_file` (ca.pem).
inline std::string tls_ini(const std::string& certs, const std::string& cert,
                           const std::string& ca_file = "ca.pem") {
  return "tls-ca = \"" + certs + "/" + ca_file + "\"\n" + "tls-certificate = \"" + certs + "/" +
         cert + ".pem\"\n" + "tls-key = \"" + certs + "/" + cert + ".key\"\n";
}

/// member_settings writes `[cluster]` then `[intake]` then `extra`: TLS keys
/// go into a second [cluster] section at the end (the INI allows it).
inline std::string cluster_extra(const std::string& lines) {
  return "\n[cluster]\n" + lines;
}

} // namespace shelfwire::testing
