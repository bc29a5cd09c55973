#include "runtime/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace shelfwire::metrics {

histogram::histogram() {
  for (auto& b : buckets_)
    b.store(0, std::memory_order_relaxed);
}

size_t histogram::index_of(uint64_t v) noexcept {
  if (v < 2 * sub_count)
    return static_cast<size_t>(v);
  int msb = 63 - __builtin_clzll(v);
  uint64_t m = v >> (msb - sub_bits); // in [sub_count, 2 * sub_count)
  return static_cast<size_t>(msb - sub_bits + 1) * sub_count + static_cast<size_t>(m - sub_count);
}

uint64_t histogram::lower_bound_of(size_t idx) noexcept {
  if (idx < 2 * sub_count)
    return idx;
  size_t group = idx / sub_count;
  uint64_t m = sub_count + idx % sub_count;
  return m << (group - 1);
}

uint64_t histogram::width_of(size_t idx) noexcept {
  if (idx < 2 * sub_count)
    return 1;
  return uint64_t{1} << (idx / sub_count - 1);
}

void histogram::record(uint64_t v) noexcept {
  buckets_[index_of(v)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  auto lo = min_.load(std::memory_order_relaxed);
  while (v < lo && !min_.compare_exchange_weak(lo, v, std::memory_order_relaxed)) {
  }
  auto hi = max_.load(std::memory_order_relaxed);
  while (v > hi && !max_.compare_exchange_weak(hi, v, std::memory_order_relaxed)) {
  }
}

histogram_snapshot histogram::snapshot() const {
  histogram_snapshot s;
  s.buckets.resize(bucket_count);
  uint64_t n = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    n += s.buckets[i];
  }
  // Use the bucket total as count so percentiles are self-consistent even
  // while other threads record.
  s.count = n;
  s.sum = sum_.load(std::memory_order_relaxed);
  auto lo = min_.load(std::memory_order_relaxed);
  s.min = lo == UINT64_MAX ? 0 : lo;
  s.max = max_.load(std::memory_order_relaxed);
  return s;
}

uint64_t histogram_snapshot::percentile(double q) const {
  if (count == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count)));
  if (rank == 0)
    rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank) {
      // Midpoint of the bucket, clamped to the observed range.
      uint64_t lo = histogram::lower_bound_of(i);
      uint64_t mid = lo + (histogram::width_of(i) - 1) / 2;
      return std::clamp(mid, min, max);
    }
  }
  return max;
}

void histogram_snapshot::merge(const histogram_snapshot& other) {
  if (other.count == 0)
    return;
  if (buckets.size() < other.buckets.size())
    buckets.resize(other.buckets.size());
  for (size_t i = 0; i < other.buckets.size(); ++i)
    buckets[i] += other.buckets[i];
  min = count == 0 ? other.min : std::min(min, other.min);
  max = std::max(max, other.max);
  count += other.count;
  sum += other.sum;
}

} // namespace shelfwire::metrics

namespace shelfwire::metrics {

histogram_snapshot histogram_snapshot::since(const histogram_snapshot& earlier) const {
  histogram_snapshot d;
  d.buckets.assign(buckets.size(), 0);
  bool first = true;
  for (size_t i = 0; i < buckets.size(); ++i) {
    auto before = i < earlier.buckets.size() ? earlier.buckets[i] : 0;
    d.buckets[i] = buckets[i] >= before ? buckets[i] - before : 0;
    if (d.buckets[i] == 0)
      continue;
    if (first)
      d.min = histogram::lower_bound_of(i);
    first = false;
    d.max = histogram::lower_bound_of(i) + histogram::width_of(i) - 1;
  }
  d.count = count >= earlier.count ? count - earlier.count : 0;
  d.sum = sum >= earlier.sum ? sum - earlier.sum : 0;
  if (d.count > 0)
    d.max = std::min(d.max, max);
  return d;
}

} // namespace shelfwire::metrics
