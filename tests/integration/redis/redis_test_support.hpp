#pragma once

// Helpers shared by the Redis port tests (connection and routing table).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/redis/connection.hpp"
#include "runtime/routing/route_table.hpp"

namespace shelfwire::testing {

using namespace std::chrono_literals;

/// Connection options for a test server: short backoff so that recovery is
/// quick, timeouts generous enough for sanitizer builds.
inline redis::connection_options test_options(uint16_t port) {
  redis::connection_options o;
  o.port = port;
  o.connect_timeout_ms = 2000;
  o.command_timeout_ms = 2000;
  o.reconnect_min_ms = 20;
  o.reconnect_max_ms = 200;
  return o;
}

inline esl_mac esl(uint64_t n) {
  return esl_mac::from_u64(0xE51000000000ull + n);
}
inline gw_mac gw(uint64_t n) {
  return gw_mac::from_u64(0x6A7E00000000ull + n);
}

/// One status update: gateway `g` heard each (esl, rssi).
inline routing::status_update update(gw_mac g, std::vector<std::pair<esl_mac, int32_t>> adv) {
  routing::status_update u;
  u.gw = g;
  for (auto& [e, r] : adv)
    u.adverts.push_back({e, r});
  return u;
}

/// The fields of a hash, read raw.
inline std::map<std::string, std::string> hgetall(redis::connection& c, const std::string& key) {
  redis::reply r;
  std::map<std::string, std::string> out;
  if (c.call({"HGETALL", key}, r) != redis::errc::ok || r.type != redis::reply::kind::array)
    return out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

/// An integer command's result (-999 on failure).
inline int64_t integer(redis::connection& c, const redis::command& cmd) {
  redis::reply r;
  if (c.call(cmd, r) != redis::errc::ok || r.type != redis::reply::kind::integer)
    return -999;
  return r.integer;
}

/// The preferred gateway as stored (field `p`), empty if none.
inline std::string stored_preferred(redis::connection& c, const routing::route_table& t,
                                    esl_mac e) {
  redis::reply r;
  if (c.call({"HGET", t.key_of(e), "p"}, r) != redis::errc::ok ||
      r.type != redis::reply::kind::string)
    return {};
  return r.str;
}

/// Looks up one ESL; an empty route on failure.
inline routing::route lookup_one(routing::route_table& t, esl_mac e) {
  std::vector<routing::route> out;
  if (t.lookup({e}, out) != redis::errc::ok || out.size() != 1)
    return {};
  return out.front();
}

/// The candidates of a route as (gw, rssi) pairs, for readable comparisons.
inline std::vector<std::pair<gw_mac, int32_t>> pairs(const routing::route& r) {
  std::vector<std::pair<gw_mac, int32_t>> out;
  for (auto& c : r.candidates)
    out.emplace_back(c.gw, c.rssi);
  return out;
}

/// Milliseconds on the steady clock since `start_us`.
inline int64_t elapsed_ms(int64_t start_us) {
  return (steady_now_us() - start_us) / 1000;
}

} // namespace shelfwire::testing

namespace Catch {
template <class Tag>
struct StringMaker<shelfwire::mac48<Tag>> {
  static std::string convert(shelfwire::mac48<Tag> m) { return m.to_string(); }
};
template <>
struct StringMaker<std::pair<shelfwire::gw_mac, int32_t>> {
  static std::string convert(const std::pair<shelfwire::gw_mac, int32_t>& p) {
    return p.first.to_string() + "@" + std::to_string(p.second);
  }
};
} // namespace Catch
