#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace shelfwire::metrics {

/// A point-in-time copy of a histogram, for percentiles and merging.
struct histogram_snapshot {
  std::vector<uint64_t> buckets;
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t min = 0;
  uint64_t max = 0;

  double mean() const { return count ? static_cast<double>(sum) / static_cast<double>(count) : 0; }

  /// The value below which a fraction `q` (0..1) of samples fall, within the
  /// bucket resolution (~3 %). 0 when empty.
  uint64_t percentile(double q) const;

  /// Adds another snapshot's samples to this one.
  void merge(const histogram_snapshot& other);

  /// The samples recorded after `earlier` (a snapshot of the same histogram
  /// taken before this one). min and max are bucket bounds, not exact.
  histogram_snapshot since(const histogram_snapshot& earlier) const;
};

/// A lock-free log-linear histogram of non-negative integers (we record
/// microseconds). 32 sub-buckets per power of two: relative error <= 3.1 %.
/// Recording is two relaxed atomic adds plus min/max updates.
class histogram {
public:
  static constexpr int sub_bits = 5;
  static constexpr std::size_t sub_count = size_t{1} << sub_bits;
  static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

  histogram();

  void record(uint64_t v) noexcept;

  histogram_snapshot snapshot() const;

  /// Bucket index of a value, and the smallest value of a bucket.
  static std::size_t index_of(uint64_t v) noexcept;
  static uint64_t lower_bound_of(std::size_t idx) noexcept;
  static uint64_t width_of(std::size_t idx) noexcept;

private:
  std::array<std::atomic<uint64_t>, bucket_count> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> min_{UINT64_MAX};
  std::atomic<uint64_t> max_{0};
};

} // namespace shelfwire::metrics
