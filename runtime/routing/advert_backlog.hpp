#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "runtime/routing/route_table.hpp"

namespace shelfwire::routing {

/// Gateway status that could not be written while Redis was unreachable,
/// kept (bounded) to be written when it returns, so that a table Redis lost
/// is rebuilt from what the gateways already said instead of waiting a
/// whole status interval. Oldest first; beyond `max_adverts` the oldest
/// updates go, and updates older than the table's staleness are useless
/// (they would not route anything) and go too. Pure logic, one thread.
class advert_backlog {
public:
  explicit advert_backlog(size_t max_adverts)
      : max_adverts_(max_adverts) {}

  /// Keeps `updates` (received at `now_ms`) for a later write.
  void keep(std::vector<status_update>&& updates, int64_t now_ms);
  /// Keeps one update received at `received_ms` (putting back what take()
  /// gave out when the write failed again).
  void keep(status_update&& update, int64_t received_ms);

  /// Moves out every kept update not older than `max_age_ms`, oldest first,
  /// with the time each was received; drops the older ones (counted).
  std::vector<status_update> take(int64_t now_ms, int64_t max_age_ms,
                                  std::vector<int64_t>* received_ms = nullptr);

  size_t adverts() const { return adverts_; }
  bool empty() const { return entries_.empty(); }
  /// Adverts dropped since the last call (over the bound or too old).
  uint64_t take_dropped() {
    auto d = dropped_;
    dropped_ = 0;
    return d;
  }

private:
  struct entry {
    status_update update;
    int64_t received_ms;
  };
  void drop_front();
  size_t max_adverts_;
  std::deque<entry> entries_;
  size_t adverts_ = 0;
  uint64_t dropped_ = 0;
};

} // namespace shelfwire::routing
