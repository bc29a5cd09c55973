#pragma once

#include <algorithm>
#include <cstdint>

namespace shelfwire {

/// A small deterministic random source (splitmix64): each command draws its
/// jitter from its own, seeded with its id, so runs are reproducible and
/// commands that failed together do not retry together.
class jitter_source {
public:
  explicit jitter_source(uint64_t seed)
      : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

private:
  uint64_t state_;
};

/// Exponential backoff with "equal jitter": the `n`-th retry in a row
/// (n >= 1) waits a time drawn uniformly from [d/2, d], where
/// d = min(cap_ms, base_ms * 2^(n-1)). Never less than 1 ms.
inline int64_t jittered_backoff_ms(int64_t base_ms, int64_t cap_ms, uint32_t n,
                                   jitter_source& rng) {
  base_ms = std::max<int64_t>(base_ms, 1);
  cap_ms = std::max(cap_ms, base_ms);
  int64_t d = base_ms;
  for (uint32_t i = 1; i < n && d < cap_ms; ++i)
    d *= 2;
  d = std::min(d, cap_ms);
  int64_t half = d / 2;
  int64_t span = d - half;
  return std::max<int64_t>(
      1, half + static_cast<int64_t>(rng.next() % static_cast<uint64_t>(span + 1)));
}

} // namespace shelfwire
