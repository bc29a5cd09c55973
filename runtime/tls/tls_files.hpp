#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace shelfwire::tls {

/// The PEM files of one mutually authenticated TLS link, as configured.
struct tls_files {
  std::string ca;           ///< CA certificate(s) that sign the peers
  std::string certificate;  ///< this side's certificate (chain)
  std::string key;          ///< its private key
  std::string key_password; ///< passphrase of an encrypted key; empty: none
};

/// What check_tls_files found wrong: the role of the file (`ca`,
/// `certificate`, `key`) so that the caller can name its config key, and a
/// sentence for people (never a secret).
struct tls_problem {
  std::string file; ///< "ca", "certificate" or "key"
  std::string what;
};

/// What check_tls_files learned about a sound set of files.
struct tls_summary {
  std::string subject;         ///< the certificate's subject, e.g. "CN=store-17-a"
  int64_t expires_in_days = 0; ///< until the certificate's notAfter (may be < 0)
};

/// Loads the files as a TLS endpoint would (OpenSSL): the CA, the
/// certificate, the key (with its passphrase); checks that the key belongs
/// to the certificate and that the CA signs the certificate, and that the
/// certificate is valid now. Done once at start so that a broken file stops
/// the program with a clear message instead of failing every connection
/// (caf_openssl raises inside its I/O loop on a bad file).
std::optional<tls_problem> check_tls_files(const tls_files& files, tls_summary* summary = nullptr);

/// Checks only a CA file (a client that verifies a server but presents no
/// certificate of its own).
std::optional<tls_problem> check_ca_file(const std::string& ca);

} // namespace shelfwire::tls
