#pragma once

// append_list: the client's subscription and observer lists. Internal.

#include <atomic>
#include <mutex>
#include <utility>

namespace shelfwire::mqtt::detail {

/// A singly linked list that only grows. Readers traverse it without locks
/// (acquire loads), writers append under a mutex. Nodes live until the list
/// dies, so references handed out stay valid.
template <class T>
class append_list {
  struct node {
    explicit node(T v)
        : value(std::move(v)) {}
    T value;
    std::atomic<node*> next{nullptr};
  };

public:
  append_list() = default;
  append_list(const append_list&) = delete;
  append_list& operator=(const append_list&) = delete;
  ~append_list() {
    node* n = head_.load();
    while (n != nullptr) {
      node* next = n->next.load();
      delete n;
      n = next;
    }
  }

  const T& push(T v) {
    auto* n = new node(std::move(v));
    std::lock_guard<std::mutex> guard{mtx_};
    if (tail_ != nullptr)
      tail_->next.store(n, std::memory_order_release);
    else
      head_.store(n, std::memory_order_release);
    tail_ = n;
    return n->value;
  }

  template <class F>
  void for_each(F&& f) const {
    for (node* n = head_.load(std::memory_order_acquire); n != nullptr;
         n = n->next.load(std::memory_order_acquire))
      f(n->value);
  }

  template <class P>
  const T* find(P&& pred) const {
    for (node* n = head_.load(std::memory_order_acquire); n != nullptr;
         n = n->next.load(std::memory_order_acquire))
      if (pred(n->value))
        return &n->value;
    return nullptr;
  }

private:
  std::atomic<node*> head_{nullptr};
  node* tail_ = nullptr; // guarded by mtx_
  std::mutex mtx_;
};

} // namespace shelfwire::mqtt::detail
