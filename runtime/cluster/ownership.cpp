#include "runtime/cluster/ownership.hpp"

#include "runtime/core/hash.hpp"
#include "runtime/core/text.hpp"

namespace shelfwire::cluster {

uint64_t rendezvous_weight(uint64_t key, uint64_t member_name_hash) {
  return mix64(mix64(key) ^ member_name_hash);
}

uint64_t member_hash(std::string_view name) {
  return hash_bytes(name, 0x5368656C66776972ull); // "Shelfwir"
}

std::string endpoint::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

namespace {

std::optional<endpoint> parse_one(std::string_view item) {
  endpoint ep;
  std::string_view port;
  if (!item.empty() && item.front() == '[') {
    auto close = item.find(']');
    if (close == std::string_view::npos || close + 1 >= item.size() || item[close + 1] != ':')
      return std::nullopt;
    ep.host = std::string{item.substr(1, close - 1)};
    port = item.substr(close + 2);
  } else {
    auto colon = item.rfind(':');
    if (colon == std::string_view::npos || item.find(':') != colon)
      return std::nullopt;
    ep.host = std::string{item.substr(0, colon)};
    port = item.substr(colon + 1);
  }
  if (ep.host.empty() || port.empty())
    return std::nullopt;
  // No brackets inside a host ("[[]:2" would give host "[", which to_string
  // cannot write back: found by the endpoints fuzz target).
  for (char c : ep.host)
    if (c == ' ' || c == '/' || c == '\t' || c == '[' || c == ']')
      return std::nullopt;
  auto value = parse_port(port);
  if (!value)
    return std::nullopt;
  ep.port = *value;
  return ep;
}

} // namespace

std::optional<std::vector<endpoint>> parse_endpoints(std::string_view list) {
  std::vector<endpoint> out;
  while (true) {
    auto comma = list.find(',');
    auto item = trim_blanks(list.substr(0, comma));
    if (!item.empty()) {
      auto ep = parse_one(item);
      if (!ep)
        return std::nullopt;
      out.push_back(std::move(*ep));
    }
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

} // namespace shelfwire::cluster
