#pragma once

#include <chrono>
#include <thread>

namespace shelfwire::sim {

/// Polls `pred` until it holds or `timeout` passes; returns its last value.
/// This is how tests synchronise with other processes: on a condition with a
/// deadline, never on a fixed sleep.
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds{100};
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds{10000});
  }
}

} // namespace shelfwire::sim
