#include "runtime/tls/tls_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>

namespace shelfwire::tls {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, deleter<SSL_CTX, SSL_CTX_free>>;
using store_ptr = std::unique_ptr<X509_STORE, deleter<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

/// OpenSSL's queued errors as one line (and the queue cleared).
std::string openssl_errors() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty())
      out += "; ";
    out += buf;
  }
  return out.empty() ? std::string{"unknown OpenSSL error"} : out;
}

bool readable(const std::string& path) {
  if (auto* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return true;
  }
  return false;
}

std::optional<tls_problem> unreadable(const char* role, const std::string& path) {
  return tls_problem{role, "cannot read '" + path + "'"};
}

int password_cb(char* buf, int size, int, void* user) {
  const auto& pw = *static_cast<const std::string*>(user);
  if (size <= 0 || pw.size() >= static_cast<size_t>(size))
    return 0;
  pw.copy(buf, pw.size());
  buf[pw.size()] = '\0';
  return static_cast<int>(pw.size());
}

std::string subject_of(X509* cert) {
  char buf[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf - 1);
  return buf;
}

} // namespace

std::optional<tls_problem> check_ca_file(const std::string& ca) {
  ERR_clear_error();
  if (!readable(ca))
    return unreadable("ca", ca);
  ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return tls_problem{"ca", "cannot create a TLS context: " + openssl_errors()};
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return tls_problem{"ca", "'" + ca + "' holds no PEM CA certificate: " + openssl_errors()};
  return std::nullopt;
}

std::optional<tls_problem> check_tls_files(const tls_files& f, tls_summary* summary) {
  if (auto p = check_ca_file(f.ca))
    return p;
  if (!readable(f.certificate))
    return unreadable("certificate", f.certificate);
  if (!readable(f.key))
    return unreadable("key", f.key);
  ERR_clear_error();
  ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return tls_problem{"certificate", "cannot create a TLS context: " + openssl_errors()};
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.certificate.c_str()) != 1)
    return tls_problem{"certificate",
                       "'" + f.certificate + "' holds no PEM certificate: " + openssl_errors()};
  // The key on its own first: a file that does not load and a key of
  // another certificate are different mistakes.
  std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>> pkey;
  if (auto* kf = std::fopen(f.key.c_str(), "rb")) {
    pkey.reset(
        PEM_read_PrivateKey(kf, nullptr, password_cb, const_cast<std::string*>(&f.key_password)));
    std::fclose(kf);
  }
  if (!pkey)
    return tls_problem{"key", "cannot load the private key '" + f.key +
                                  "' (not PEM, or encrypted and the passphrase is wrong or "
                                  "missing): " +
                                  openssl_errors()};
  if (SSL_CTX_use_PrivateKey(ctx.get(), pkey.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return tls_problem{"key",
                       "'" + f.key + "' is not the key of the certificate '" + f.certificate + "'"};
  }
  X509* cert = SSL_CTX_get0_certificate(ctx.get());
  if (!cert)
    return tls_problem{"certificate", "'" + f.certificate + "' holds no certificate"};
  // The CA must sign the certificate: the peers check it with the same CA.
  store_ptr store{X509_STORE_new()};
  if (!store || X509_STORE_load_locations(store.get(), f.ca.c_str(), nullptr) != 1)
    return tls_problem{"ca", "cannot load '" + f.ca + "': " + openssl_errors()};
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  store_ctx_ptr vctx{X509_STORE_CTX_new()};
  if (!vctx || X509_STORE_CTX_init(vctx.get(), store.get(), cert, chain) != 1)
    return tls_problem{"certificate", "cannot verify: " + openssl_errors()};
  if (X509_verify_cert(vctx.get()) != 1) {
    auto err = X509_STORE_CTX_get_error(vctx.get());
    return tls_problem{"certificate", "'" + f.certificate + "' (" + subject_of(cert) +
                                          ") does not verify against the CA '" + f.ca +
                                          "': " + X509_verify_cert_error_string(err)};
  }
  if (summary) {
    summary->subject = subject_of(cert);
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) == 1)
      summary->expires_in_days = days;
  }
  ERR_clear_error();
  return std::nullopt;
}

} // namespace shelfwire::tls
