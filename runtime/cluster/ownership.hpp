#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shelfwire::cluster {

/// Which member owns an ESL: rendezvous (highest random weight) hashing over
/// the live members' names.
///
/// Every member computes the same owner from the same member set, with no
/// coordination. When a member joins, it takes over about 1/n of the ESLs
/// and no other ESL moves; when one leaves, only its ESLs move, spread over
/// the others. Keyed by the member's *name* (not its incarnation), so a node
/// that restarts under the same name gets its ESLs back.

/// The weight of `member_name_hash` for `key` (an ESL's 48-bit value).
uint64_t rendezvous_weight(uint64_t key, uint64_t member_name_hash);

/// The stable hash of a member name that rendezvous_weight takes.
uint64_t member_hash(std::string_view name);

/// The index in [0, n) of the owner of `key`, where member i's name hash is
/// `hash_of(i)` and `eligible(i)` can rule members out (leaving, known dead).
/// nullopt when no member is eligible.
template <class HashOf, class Eligible>
std::optional<size_t> rendezvous_owner(uint64_t key, size_t n, HashOf hash_of, Eligible eligible) {
  std::optional<size_t> best;
  uint64_t best_w = 0;
  uint64_t best_h = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!eligible(i))
      continue;
    auto h = hash_of(i);
    auto w = rendezvous_weight(key, h);
    // Ties (astronomically rare) go to the larger name hash: still a total order.
    if (!best || w > best_w || (w == best_w && h > best_h)) {
      best = i;
      best_w = w;
      best_h = h;
    }
  }
  return best;
}

/// The index in `member_hashes` of the owner of `key`.
inline std::optional<size_t> rendezvous_owner(uint64_t key,
                                              const std::vector<uint64_t>& member_hashes) {
  return rendezvous_owner(
      key, member_hashes.size(), [&](size_t i) { return member_hashes[i]; },
      [](size_t) { return true; });
}

/// A cluster endpoint "host:port" as given in `cluster.seeds`.
struct endpoint {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const;
  bool operator==(const endpoint& o) const { return host == o.host && port == o.port; }
};

/// Parses "host:port[,host:port...]" (spaces around items allowed, empty
/// items skipped; IPv6 hosts in brackets). nullopt if any item is malformed.
std::optional<std::vector<endpoint>> parse_endpoints(std::string_view list);

} // namespace shelfwire::cluster
