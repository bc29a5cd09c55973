#include "runtime/mqtt/receive_waker.hpp"

#include <iterator>

#include <MQTTAsync.h>

namespace shelfwire::mqtt::detail {

receive_waker& receive_waker::instance() {
  static auto* w = new receive_waker; // leaked on purpose: see the header
  return *w;
}

void receive_waker::add(const void* owner, void* handle, const std::atomic<link_state>* state) {
  std::lock_guard<std::mutex> lk{mtx_};
  entries_.push_back(entry{owner, handle, state});
}

void receive_waker::remove(const void* owner) {
  std::unique_lock<std::mutex> lk{mtx_};
  for (auto i = entries_.begin(); i != entries_.end(); ++i) {
    if (i->owner != owner)
      continue;
    idle_.wait(lk, [&] { return i->users == 0; });
    entries_.erase(i);
    return;
  }
}

bool receive_waker::wake(const void* asker) {
  entry* chosen = nullptr;
  {
    std::lock_guard<std::mutex> lk{mtx_};
    const size_t n = entries_.size();
    if (n == 0)
      return false;
    auto it = entries_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(next_ % n));
    for (size_t k = 0; k < n; ++k) {
      if (it->owner != asker && it->state->load(std::memory_order_acquire) == link_state::up) {
        chosen = &*it;
        ++chosen->users;
        next_ = (next_ + k + 1) % n;
        break;
      }
      if (++it == entries_.end())
        it = entries_.begin();
    }
  }
  if (chosen == nullptr)
    return false;
  static char empty_payload = 0;
  MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
  const int rc = MQTTAsync_send(chosen->handle, topic, 0, &empty_payload, 1, 0, &ro);
  {
    std::lock_guard<std::mutex> lk{mtx_};
    --chosen->users;
  }
  idle_.notify_all();
  if (rc != MQTTASYNC_SUCCESS)
    return false;
  sent_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

} // namespace shelfwire::mqtt::detail
