#pragma once

#include <cstdint>
#include <string_view>

namespace shelfwire {

/// A 128-bit SipHash key (k0 = bytes 0..7 little endian, k1 = bytes 8..15).
struct siphash_key {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  friend bool operator==(const siphash_key& a, const siphash_key& b) {
    return a.k0 == b.k0 && a.k1 == b.k1;
  }
};

/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudo-random
/// function, a MAC for short messages. 64-bit output. Checked against the
/// reference vectors and OpenSSL's SIPHASH (tests/unit/core/siphash_test.cpp).
uint64_t siphash24(const siphash_key& key, std::string_view data);

/// A key from the kernel's random source (getrandom(2)).
siphash_key random_siphash_key();

} // namespace shelfwire
