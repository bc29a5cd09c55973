#pragma once

#include <atomic>
#include <cstdint>

namespace shelfwire::metrics {

/// A monotonically increasing event count. Lock-free; safe from any thread
/// (including C library callback threads).
class counter {
public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (queue depth, connections, in-flight work).
class gauge {
public:
  void set(int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

} // namespace shelfwire::metrics
