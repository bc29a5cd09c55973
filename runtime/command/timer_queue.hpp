#pragma once

#include <cstdint>
#include <queue>
#include <vector>

namespace shelfwire {

/// One armed command timer.
struct timer_entry {
  int64_t due_us = 0;
  uint64_t command_id = 0;
  uint8_t kind = 0;
  uint32_t seq = 0;
};

/// The timers of one supervisor shard, earliest first. Replaces a CAF clock
/// timer per command (each of which wakes the clock thread once, usually
/// for a command that ended long ago) with one coarse tick per shard while
/// timers are pending. Entries of commands that ended are dropped when due.
class timer_queue {
public:
  void push(const timer_entry& e) { heap_.push(e); }

  /// Calls `f(entry)` for every entry due at `now_us`, earliest first.
  template <class F>
  void pop_due(int64_t now_us, F&& f) {
    while (!heap_.empty() && heap_.top().due_us <= now_us) {
      auto e = heap_.top();
      heap_.pop();
      f(e);
    }
  }

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  /// Due time of the earliest entry; only when not empty.
  int64_t next_due_us() const { return heap_.top().due_us; }

  /// When to tick for an entry due at `due_us`: rounded up to the
  /// resolution, so that timers close together share one tick.
  static int64_t tick_for(int64_t due_us, int64_t resolution_us) {
    return (due_us + resolution_us - 1) / resolution_us * resolution_us;
  }

private:
  struct later {
    bool operator()(const timer_entry& a, const timer_entry& b) const {
      return a.due_us > b.due_us;
    }
  };
  std::priority_queue<timer_entry, std::vector<timer_entry>, later> heap_;
};

} // namespace shelfwire
