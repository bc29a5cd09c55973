#pragma once

// shelfwire-submit's stderr (notes, a progress line) and its signal thread.

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

#include "runtime/core/stop_signals.hpp"

namespace shelfwire::submit {

/// A thread that waits for SIGINT/SIGTERM (blocked in every thread by
/// stop_signals) and hands the signal to `on_signal`; the destructor wakes it
/// with a signal of its own and joins it.
class signal_watch {
public:
  signal_watch(stop_signals& signals, std::function<void(int)> on_signal)
      : on_signal_(std::move(on_signal))
      , thread_([this, &signals] {
        int sig = signals.wait();
        if (!closing_.load())
          on_signal_(sig);
      }) {}
  ~signal_watch() {
    closing_.store(true);
    pthread_kill(thread_.native_handle(), SIGTERM); // pending for that thread: sigwait returns
    thread_.join();
  }
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

private:
  std::atomic<bool> closing_{false};
  std::function<void(int)> on_signal_;
  std::thread thread_; ///< last: starts once the rest is built
};

/// stderr: notes ("shelfwire-submit: ..."), and one progress line, rewritten
/// in place on a terminal or one line per report otherwise.
class console {
public:
  explicit console(bool in_place)
      : in_place_(in_place) {}
  void note(const std::string& line) {
    clear();
    std::cerr << "shelfwire-submit: " << line << "\n" << std::flush;
  }
  void progress(const std::string& text) {
    if (in_place_) {
      std::cerr << "\r\x1b[K" << text << std::flush;
      shown_ = true;
    } else {
      std::cerr << text << "\n" << std::flush;
    }
  }
  /// Removes the progress line, if one is shown.
  void clear() {
    if (shown_)
      std::cerr << "\r\x1b[K" << std::flush;
    shown_ = false;
  }

private:
  bool in_place_;
  bool shown_ = false;
};

} // namespace shelfwire::submit
