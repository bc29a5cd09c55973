// check_tls_options: the TLS options of a client checked before any connect
// attempt, so that a missing or unreadable file stops the program with a
// sentence naming its option instead of failing every handshake. Runs on the
// caller's thread (client::start(), tools).

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/mqtt/client_options.hpp"

namespace shelfwire::mqtt {

namespace {

/// Empty if `path` is a readable regular file; else why not.
std::string unreadable(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::strerror(errno);
  struct stat st {};
  std::string why;
  if (::fstat(fd, &st) != 0)
    why = std::strerror(errno);
  else if (!S_ISREG(st.st_mode))
    why = "not a regular file";
  ::close(fd);
  return why;
}

} // namespace

std::string check_tls_options(const client_options& o, const tls_option_names& names) {
  const bool tls = o.tls();
  if (!tls) {
    for (auto [key, value] :
         {std::pair{&names.ca, &o.tls_ca}, std::pair{&names.certificate, &o.tls_certificate},
          std::pair{&names.key, &o.tls_key}})
      if (!value->empty())
        return *key + " is set, but " + names.url + " '" + o.url +
               "' does not use TLS: use ssl://host:port (or leave " + *key + " empty)";
    return {};
  }
  if (o.tls_certificate.empty() != o.tls_key.empty()) {
    const auto& set = o.tls_certificate.empty() ? names.key : names.certificate;
    const auto& missing = o.tls_certificate.empty() ? names.certificate : names.key;
    return missing + " must be set when " + set + " is (a client certificate needs its key)";
  }
  for (auto [key, path] :
       {std::pair{&names.ca, &o.tls_ca}, std::pair{&names.certificate, &o.tls_certificate},
        std::pair{&names.key, &o.tls_key}}) {
    if (path->empty())
      continue;
    if (auto why = unreadable(*path); !why.empty())
      return *key + ": cannot read '" + *path + "': " + why;
  }
  return {};
}

} // namespace shelfwire::mqtt
