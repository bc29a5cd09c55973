#include "runtime/core/siphash.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace shelfwire {

namespace {

constexpr uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

uint64_t load_le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

struct sip_state {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }

  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

} // namespace

uint64_t siphash24(const siphash_key& key, std::string_view data) {
  sip_state s{0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1,
              0x6c7967656e657261ULL ^ key.k0, 0x7465646279746573ULL ^ key.k1};
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  size_t whole = n - n % 8;
  for (size_t i = 0; i < whole; i += 8)
    s.absorb(load_le64(p + i));
  uint64_t last = static_cast<uint64_t>(n & 0xFF) << 56;
  for (size_t i = 0; i < n % 8; ++i)
    last |= static_cast<uint64_t>(p[whole + i]) << (8 * i);
  s.absorb(last);
  s.v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i)
    s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

siphash_key random_siphash_key() {
  unsigned char buf[16];
  size_t got = 0;
  while (got < sizeof buf) {
    auto r = ::getrandom(buf + got, sizeof buf - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(std::string{"getrandom: "} + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return {load_le64(buf), load_le64(buf + 8)};
}

} // namespace shelfwire
