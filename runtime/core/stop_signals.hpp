#pragma once

#include <chrono>
#include <csignal>
#include <optional>

#include <pthread.h>

namespace shelfwire {

/// SIGTERM and SIGINT as a stop request. Construct it first thing in `main`,
/// before any thread exists (CAF, paho and spdlog start threads): it blocks
/// the signals in every thread, so only wait() ever sees them.
class stop_signals {
public:
  stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  /// Blocks until SIGTERM or SIGINT; returns which.
  int wait() {
    int sig = 0;
    while (sigwait(&set_, &sig) != 0) {
    }
    return sig;
  }

  /// Waits up to `timeout`; the signal, or nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1'000'000};
    int sig = sigtimedwait(&set_, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT)
      return sig;
    return std::nullopt;
  }

  static const char* name(int sig) { return sig == SIGTERM ? "SIGTERM" : "SIGINT"; }

private:
  sigset_t set_;
};

} // namespace shelfwire
