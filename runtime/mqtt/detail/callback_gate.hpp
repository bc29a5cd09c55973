#pragma once

// What every paho callback of a client passes through: a mark that this
// thread is inside one of our callbacks (callback_scope), and the gate that
// stop() closes and drains (callback_gate, gate_pass). Internal.

#include <atomic>
#include <chrono>
#include <thread>

namespace shelfwire::mqtt::detail {

/// Depth of our callbacks on this thread (any client), and the client whose
/// callback runs innermost. Used to tell "called from a paho thread".
inline thread_local int tl_callback_depth = 0;
inline thread_local const void* tl_callback_owner = nullptr;

/// Marks the calling thread as inside a callback of `owner` for its lifetime.
struct callback_scope {
  const void* prev;
  explicit callback_scope(const void* owner)
      : prev(tl_callback_owner) {
    ++tl_callback_depth;
    tl_callback_owner = owner;
  }
  ~callback_scope() {
    --tl_callback_depth;
    tl_callback_owner = prev;
  }
  callback_scope(const callback_scope&) = delete;
  callback_scope& operator=(const callback_scope&) = delete;
};

/// Admits callbacks until closed; close + drain guarantees that none runs
/// afterwards. Lock-free on the callback side (two atomic RMWs).
class callback_gate {
public:
  bool enter() noexcept {
    active_.fetch_add(1);
    if (closed_.load()) {
      active_.fetch_sub(1);
      return false;
    }
    return true;
  }
  void leave() noexcept { active_.fetch_sub(1); }
  void close() noexcept { closed_.store(true); }
  /// Waits until at most `own` callbacks are active (own = 1 when the caller
  /// is itself inside one). Callbacks are short, so a polite spin suffices.
  void drain(int own) const noexcept {
    while (active_.load() > own)
      std::this_thread::sleep_for(std::chrono::microseconds{50});
  }

private:
  std::atomic<int> active_{0};
  std::atomic<bool> closed_{false};
};

/// One pass through a callback_gate: true if admitted; leaves on destruction.
class gate_pass {
public:
  explicit gate_pass(callback_gate& g)
      : gate_(g)
      , ok_(g.enter()) {}
  ~gate_pass() {
    if (ok_)
      gate_.leave();
  }
  explicit operator bool() const { return ok_; }
  gate_pass(const gate_pass&) = delete;
  gate_pass& operator=(const gate_pass&) = delete;

private:
  callback_gate& gate_;
  bool ok_;
};

} // namespace shelfwire::mqtt::detail
