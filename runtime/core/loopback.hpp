#pragma once

#include <string_view>

namespace shelfwire {

/// Whether `host` names only this machine: `localhost`, `::1`, `[::1]` or an
/// IPv4 address in 127.0.0.0/8. Only such addresses are reachable without
/// authentication (secure by default: docs/security.md).
inline bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]")
    return true;
  if (host.substr(0, 4) != "127.")
    return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

} // namespace shelfwire
