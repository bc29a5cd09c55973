#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>

#include "runtime/mqtt/client.hpp"

namespace shelfwire::mqtt::detail {

/// Works around paho-mqtt-c 1.3.12's slow connects when a process has more
/// than one client (paho issue #1430).
///
/// paho runs one receive thread for every client of the process. It learns of
/// a new socket (connect completed, CONNACK waiting) only when its `poll()`
/// returns, and when the process is quiet that poll waits 1 s: the second and
/// every later client of a process needed ~2.1 s to connect, and a reconnect
/// ~1 s more than its backoff. While a client waits for its link, its
/// reconnect timer thread calls `wake()` every few milliseconds: another
/// client of the process that is up publishes one empty QoS 1 message to
/// `topic` (a `$` topic: no `#` subscription sees it; mosquitto answers it with
/// PUBACK "no matching subscribers"), and that PUBACK ends the poll. Measured:
/// ~10 ms instead of 2.1 s per connect.
///
/// Thread-safe. Never calls paho while holding its own mutex, so it can be
/// used from any thread that is not inside a paho callback.
class receive_waker {
public:
  static constexpr const char* topic = "$shelfwire/wake";

  /// The process-wide instance (never destroyed: clients may outlive statics).
  static receive_waker& instance();

  /// Registers a client: its paho handle (MQTTAsync) and its link state.
  void add(const void* owner, void* handle, const std::atomic<link_state>* state);

  /// Unregisters (nothing if `owner` is unknown); waits until no wake() is
  /// using the client's handle.
  /// Call before MQTTAsync_destroy, never from a paho callback.
  void remove(const void* owner);

  /// Asks one up client other than `asker` to publish the wake message.
  /// Returns false if there is none (then nothing wakes paho early).
  bool wake(const void* asker);

  /// Wake messages published so far (all clients, for tests).
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }

private:
  struct entry {
    const void* owner;
    void* handle;
    const std::atomic<link_state>* state;
    int users = 0; ///< wake() calls using `handle` right now
  };

  std::mutex mtx_;
  std::condition_variable idle_;
  std::list<entry> entries_;
  size_t next_ = 0; ///< round robin over entries
  std::atomic<uint64_t> sent_{0};
};

} // namespace shelfwire::mqtt::detail
