#include "config/validators.hpp"

#include <algorithm>

#include "runtime/cluster/ownership.hpp"
#include "runtime/core/text.hpp"

namespace shelfwire::config::validators {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

} // namespace

string_validator name(std::string punct, size_t min_len, size_t max_len) {
  return [punct = std::move(punct), min_len, max_len](std::string_view s) {
    if (s.size() < min_len || s.size() > max_len)
      return false;
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return is_alnum(c) || punct.find(c) != std::string::npos; });
  };
}

string_validator optional(string_validator inner) {
  return [inner = std::move(inner)](std::string_view s) { return s.empty() || inner(s); };
}

bool endpoint_list(std::string_view s) {
  return cluster::parse_endpoints(s).has_value();
}

bool host(std::string_view s) {
  if (s.empty())
    return false;
  if (s.front() == '[') { // IPv6 literal
    if (s.size() < 3 || s.back() != ']')
      return false;
    auto inner = s.substr(1, s.size() - 2);
    return std::all_of(inner.begin(), inner.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == ':' || c == '.';
    });
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c != '/' && c != ':' && c != '@' && c != '[' && c != ']' && c != '\x7f';
  });
}

bool tcp_url(std::string_view s) {
  constexpr std::string_view scheme = "tcp://";
  if (s.substr(0, scheme.size()) != scheme)
    return false;
  s.remove_prefix(scheme.size());
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos)
    return false;
  return host(s.substr(0, colon)) && parse_port(s.substr(colon + 1)).has_value();
}

bool broker_url(std::string_view s) {
  for (std::string_view scheme : {"tcp://", "ssl://", "mqtt://", "mqtts://"}) {
    if (s.substr(0, scheme.size()) != scheme)
      continue;
    s.remove_prefix(scheme.size());
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos)
      return false;
    return host(s.substr(0, colon)) && parse_port(s.substr(colon + 1)).has_value();
  }
  return false;
}

string_validator topic(bool allow_empty) {
  return [allow_empty](std::string_view s) {
    if (s.empty())
      return allow_empty;
    if (s.back() == '/')
      return false;
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return c == '+' || c == '#' || c == '\0'; });
  };
}

bool share_group(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || c == '+' || c == '#' || c == '\0';
  });
}

string_validator module_levels(std::vector<std::string> levels) {
  auto module_ok = name("_-.", 1, 64);
  return [levels = std::move(levels), module_ok](std::string_view s) {
    while (!s.empty()) {
      auto comma = s.find(',');
      auto item = trim_blanks(s.substr(0, comma));
      s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
      if (item.empty())
        continue;
      auto eq = item.find('=');
      if (eq == std::string_view::npos || !module_ok(trim_blanks(item.substr(0, eq))))
        return false;
      auto level = trim_blanks(item.substr(eq + 1));
      if (std::find(levels.begin(), levels.end(), level) == levels.end())
        return false;
    }
    return true;
  };
}

} // namespace shelfwire::config::validators
