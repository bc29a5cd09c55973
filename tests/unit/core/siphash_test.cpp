#include <catch2/catch.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

#include "runtime/core/siphash.hpp"

using namespace shelfwire;

namespace {

/// The reference key of the SipHash paper: bytes 00 01 .. 0f.
const siphash_key reference_key{0x0706050403020100ull, 0x0F0E0D0C0B0A0908ull};

std::string bytes_0_to(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i)
    s.push_back(static_cast<char>(i));
  return s;
}

/// OpenSSL's SipHash-2-4 (EVP_MAC "SIPHASH", 8-byte output), little endian.
uint64_t openssl_siphash(const siphash_key& k, const std::string& data) {
  unsigned char key[16];
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<unsigned char>(k.k0 >> (8 * i));
    key[8 + i] = static_cast<unsigned char>(k.k1 >> (8 * i));
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  REQUIRE(mac);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                         OSSL_PARAM_construct_end()};
  REQUIRE(EVP_MAC_init(ctx, key, sizeof key, params) == 1);
  REQUIRE(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
          1);
  unsigned char out[8];
  size_t len = 0;
  REQUIRE(EVP_MAC_final(ctx, out, &len, sizeof out) == 1);
  REQUIRE(len == 8);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | out[i];
  return v;
}

} // namespace

TEST_CASE("siphash24: the paper's test vectors") {
  // Appendix A of the paper: 15 bytes 00..0e under key 00..0f.
  CHECK(siphash24(reference_key, bytes_0_to(15)) == 0xa129ca6149be45e5ull);
  // The reference implementation's vectors.h: the empty message.
  CHECK(siphash24(reference_key, "") == 0x726fdb47dd0e0e31ull);
}

TEST_CASE("siphash24 agrees with OpenSSL's SIPHASH for every length 0..64 and random keys") {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (size_t n = 0; n <= 64; ++n) {
    for (int round = 0; round < 4; ++round) {
      siphash_key k{next(), next()};
      std::string data;
      for (size_t i = 0; i < n; ++i)
        data.push_back(static_cast<char>(next() & 0xFF));
      INFO("length " << n);
      CHECK(siphash24(k, data) == openssl_siphash(k, data));
    }
  }
}

TEST_CASE("random_siphash_key gives different keys") {
  auto a = random_siphash_key();
  auto b = random_siphash_key();
  CHECK_FALSE(a == b);
  CHECK((a.k0 | a.k1) != 0);
}
