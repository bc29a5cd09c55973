// Clears OpenSSL's per-thread error queue before every TLS I/O call of the
// process: the fix for a CAF 0.17.6 (caf_openssl) defect that lets any
// failed TLS handshake break the node's healthy TLS links.
//
// OpenSSL's rule: "The current thread's error queue must be empty before the
// TLS/SSL I/O operation is attempted, or SSL_get_error() will not work
// reliably" (SSL_get_error(3)). caf_openssl reads the queue only inside
// CAF_LOG_INFO, which Debian's build compiles out, so a refused handshake (a
// peer without a certificate from the cluster's CA, a plain-TCP client, a
// port scanner) leaves errors on the multiplexer thread, and the next
// nonblocking SSL_read on *another* session, which only wants more bytes, is
// reported SSL_ERROR_SSL: caf_openssl closes that healthy member link.
// Measured before this file: every rejected join made both members of a
// two-node TLS cluster declare each other down (9 flaps in 12 s).
//
// CAF cannot be patched here (Debian's libcaf_openssl), so the executables
// that speak TLS interpose the four I/O entry points: each clears the queue
// and calls OpenSSL's own function (the dynamic linker binds
// libcaf_openssl's calls to the executable's definitions first). Linked as an
// object into shelfwire-node and shelfwire-inspect (runtime/tls/README.md).
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>

namespace {

template <class F>
F real(const char* name) {
  // RTLD_NEXT: the next definition after this executable, libssl's.
  auto* f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (!f)
    std::abort(); // libssl is linked: cannot happen
  return f;
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(ssl);
}

} // extern "C"
