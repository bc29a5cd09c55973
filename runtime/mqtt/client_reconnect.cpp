// The client's reconnect timer: one thread per client that runs the
// (re)connect attempts after a backoff and, while an attempt waits for its
// link, asks another client to wake paho's receive thread. connect_failed()
// also runs on paho's threads (a connect that failed there).

#include <algorithm>

#include "runtime/mqtt/client_impl.hpp"
#include "runtime/mqtt/detail/paho_util.hpp"
#include "runtime/mqtt/receive_waker.hpp"

namespace shelfwire::mqtt {

void client::impl::timer_loop() {
  std::unique_lock<std::mutex> lk{timer_mtx};
  while (!timer_stop) {
    if (next_connect && steady::now() >= *next_connect) {
      next_connect.reset();
      lk.unlock();
      do_connect();
      lk.lock();
      wake_until = steady::now() + std::chrono::milliseconds{opts.connect_timeout_ms + 1000};
      wake_every = detail::wake_first;
      continue;
    }
    const bool waking = wake_until && steady::now() < *wake_until &&
                        state.load(std::memory_order_acquire) == link_state::connecting;
    if (!waking) {
      wake_until.reset();
    } else {
      lk.unlock();
      detail::receive_waker::instance().wake(this);
      lk.lock();
      if (timer_stop)
        break;
    }
    std::optional<steady::time_point> until = next_connect;
    if (waking) {
      const auto w = steady::now() + wake_every;
      wake_every = std::min(detail::wake_max, wake_every * 2);
      if (!until || w < *until)
        until = w;
    }
    if (until)
      timer_cv.wait_until(lk, *until);
    else
      timer_cv.wait(lk);
  }
}

void client::impl::schedule_connect(std::chrono::milliseconds delay) {
  {
    std::lock_guard<std::mutex> lk{timer_mtx};
    if (timer_stop)
      return;
    next_connect = steady::now() + delay;
  }
  timer_cv.notify_all();
}

void client::impl::schedule_reconnect() {
  std::chrono::milliseconds delay;
  {
    std::lock_guard<std::mutex> lk{timer_mtx};
    std::uniform_real_distribution<double> jitter{0.8, 1.2};
    delay = std::chrono::milliseconds{
        std::max<int64_t>(1, static_cast<int64_t>(backoff_ms * jitter(rng)))};
    backoff_ms = std::min(opts.reconnect_max_ms, backoff_ms * 2);
  }
  schedule_connect(delay);
}

void client::impl::do_connect() {
  if (stopping.load())
    return;
  set_state(link_state::connecting);
  if (stopping.load())
    return;
  log->debug("connecting to {} as '{}'", opts.url, opts.client_id);
  int rc = MQTTAsync_connect(handle, &conn_opts);
  if (rc != MQTTASYNC_SUCCESS)
    connect_failed(detail::paho_error(rc));
}

void client::impl::connect_failed(const std::string& reason) {
  int n;
  {
    std::lock_guard<std::mutex> lk{timer_mtx};
    n = ++failures;
  }
  if (n == 1)
    log->warn("cannot connect to {} as '{}': {} (retrying every {}..{} ms)", opts.url,
              opts.client_id, reason, opts.reconnect_min_ms, opts.reconnect_max_ms);
  else
    log->debug("connect attempt {} to {} failed: {}", n, opts.url, reason);
  set_state(link_state::down);
  schedule_reconnect();
}

} // namespace shelfwire::mqtt
