#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shelfwire {

/// splitmix64 finaliser: a cheap, well-mixed 64-bit hash of a 64-bit value.
/// Stable across processes and builds (used for sharding and ownership).
constexpr uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// FNV-1a over bytes, then mixed: stable string hash.
constexpr uint64_t hash_bytes(std::string_view s, uint64_t seed = 0) {
  uint64_t h = 0xCBF29CE484222325ull ^ seed;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return mix64(h);
}

} // namespace shelfwire
