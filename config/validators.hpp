#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/key_spec.hpp"

namespace shelfwire::config::validators {

/// Letters, digits and the characters of `punct`, between `min_len` and
/// `max_len` characters: `name(".-_", 0, 64)` is `[A-Za-z0-9._-]{0,64}`.
string_validator name(std::string punct, size_t min_len, size_t max_len);

/// "tcp://host:port", port in [1, 65535]; host a name, an IPv4 address or a
/// bracketed IPv6 address.
bool tcp_url(std::string_view s);

/// An MQTT broker URL: "tcp://host:port" or, with TLS, "ssl://host:port"
/// (paho's aliases "mqtt://" and "mqtts://" too), port in [1, 65535], host
/// as in tcp_url.
bool broker_url(std::string_view s);

/// A non-empty host name or address: no whitespace, '/' or ':' (except in an
/// IPv6 address).
bool host(std::string_view s);

/// Empty, or what `inner` accepts.
string_validator optional(string_validator inner);

/// Comma-separated "host:port" items (spaces around items allowed, empty
/// list allowed), port in [1, 65535], IPv6 hosts in brackets.
bool endpoint_list(std::string_view s);

/// An MQTT topic (or prefix) to publish under: no '+' or '#', no NUL, no
/// trailing '/'. Empty is accepted when `allow_empty`.
string_validator topic(bool allow_empty);

/// A shared-subscription group name: non-empty, no '/', '+' or '#'.
bool share_group(std::string_view s);

/// Comma-separated `module=level` items, each level one of `levels`; empty
/// items and surrounding spaces are allowed; module names are letters,
/// digits, '_', '-' and '.'.
string_validator module_levels(std::vector<std::string> levels);

} // namespace shelfwire::config::validators
