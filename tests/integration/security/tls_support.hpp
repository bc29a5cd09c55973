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

/// Starts the emulator (4 gateways, `commands` ESLs), waits until `names`
/// wrote a full round of adverts, runs one job of `commands` commands through
/// them; the number acked.
inline size_t run_store_job(cluster_env& env, const std::vector<std::string>& names,
                            const std::string& id, size_t commands) {
  env.start_emulator(4, commands);
  REQUIRE(env.wait_converged_all(names));
  auto job = sim::make_job(id, esls_of(env.store), commands);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  return count_status(*r, outcome_status::acked);
}

} // namespace shelfwire::testing
