#pragma once

#include <pthread.h>

namespace shelfwire {

/// Names the calling thread (what `top -H`, `perf` and /proc/PID/task/TID/comm
/// show; the simulator's per-thread CPU table groups by it). At most 15
/// characters are kept. Our threads are named `sw.*`; paho names its own
/// `MQTTAsync_*`, CAF its scheduler workers and network loop
/// `caf.multiplexer`, its clock `caf.clock`, detached actors `caf.actor`.
inline void name_this_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
}

/// Names `t` from the thread that started it: the name is there when this
/// returns (a name the thread gives itself comes whenever it runs).
template <class Thread>
void name_thread(Thread& t, const char* name) {
  pthread_setname_np(t.native_handle(), name);
}

} // namespace shelfwire
