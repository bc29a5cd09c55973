#include <catch2/catch.hpp>

#include "runtime/core/siphash.hpp"
#include "runtime/wire/token.hpp"

using namespace shelfwire;
using namespace shelfwire::wire;

namespace {

const token_key secret{0x5EC12E7'0000'BEEFull, 0x0123'4567'89AB'CDEFull};

bool same(const reply_token& a, const reply_token& b) {
  return a.incarnation == b.incarnation && a.command_id == b.command_id && a.attempt == b.attempt;
}

} // namespace

TEST_CASE("token layout is the documented 26 bytes") {
  reply_token t{0x0102030405060708ull, 0x1112131415161718ull, 7};
  auto b = encode_token(t, secret);
  REQUIRE(b.size() == token_size);
  REQUIRE(token_size == 26);
  REQUIRE(token_version == 2);
  CHECK(static_cast<uint8_t>(b[0]) == token_version);
  for (int i = 0; i < 8; ++i) {
    CHECK(static_cast<uint8_t>(b[1 + i]) == 0x01 + i);
    CHECK(static_cast<uint8_t>(b[9 + i]) == 0x11 + i);
  }
  CHECK(static_cast<uint8_t>(b[17]) == 7);
  // MAC = SipHash-2-4(key, bytes [0..17]), big endian
  auto h = siphash24(secret, std::string_view(b.data(), 18));
  for (int i = 0; i < 8; ++i)
    CHECK(static_cast<uint8_t>(b[18 + i]) == ((h >> (56 - 8 * i)) & 0xFF));
}

TEST_CASE("token round-trips through verify and peek") {
  for (reply_token t :
       {reply_token{0, 0, 0}, reply_token{1, 2, 1}, reply_token{UINT64_MAX, UINT64_MAX, 255},
        reply_token{0x8000000000000000ull, 42, 128}}) {
    auto b = encode_token(t, secret);
    auto v = verify_token(b, secret);
    REQUIRE(v);
    CHECK(same(*v, t));
    auto p = peek_token(b);
    REQUIRE(p);
    CHECK(same(*p, t));
  }
  // Different fields, different tokens; same fields, same token.
  CHECK(encode_token({1, 2, 3}, secret) == encode_token({1, 2, 3}, secret));
  CHECK(encode_token({1, 2, 3}, secret) != encode_token({1, 2, 4}, secret));
  CHECK(encode_token({1, 2, 3}, secret) != encode_token({1, 2, 3}, {secret.k0 + 1, secret.k1}));
  CHECK(encode_token({1, 2, 3}, secret) != encode_token({1, 2, 3}, {secret.k0, secret.k1 + 1}));
}

TEST_CASE("tampering with any byte fails verification") {
  reply_token t{0xA1B2C3D4E5F60718ull, 123456789, 3};
  const auto b = encode_token(t, secret);
  for (size_t i = 0; i < b.size(); ++i) {
    for (uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xFF}) {
      auto x = b;
      x[i] = static_cast<char>(static_cast<uint8_t>(x[i]) ^ mask);
      INFO("byte " << i << " ^ " << int(mask));
      CHECK(!verify_token(x, secret));
      // peek only cares about size and version
      CHECK(peek_token(x).has_value() == (i != 0));
    }
  }
}

TEST_CASE("a wrong key fails verification but peek still reads the token") {
  reply_token t{77, 88, 9};
  auto b = encode_token(t, secret);
  for (token_key other : {token_key{0, 0}, token_key{secret.k0 ^ 1, secret.k1},
                          token_key{secret.k0, secret.k1 ^ (1ull << 63)},
                          token_key{secret.k1, secret.k0}, token_key{~secret.k0, ~secret.k1}})
    CHECK(!verify_token(b, other));
  auto p = peek_token(b);
  REQUIRE(p);
  CHECK(same(*p, t));
}

TEST_CASE("wrong size or version is refused by peek and verify") {
  auto b = encode_token({5, 6, 7}, secret);
  for (std::string x : {std::string(), b.substr(0, 25), b + "x", b + b, std::string(26, '\0'),
                        std::string(1, '\x01')}) {
    INFO("size " << x.size());
    CHECK(!peek_token(x));
    CHECK(!verify_token(x, secret));
  }
  for (uint8_t version : {0, 1, 3, 255}) { // 1: the old 22-byte layout, never accepted
    auto x = b;
    x[0] = static_cast<char>(version);
    CHECK(!peek_token(x));
    CHECK(!verify_token(x, secret));
  }
}

TEST_CASE("a forger who knows every field but not the key cannot mint a token") {
  // 100,000 guesses of the MAC for one (incarnation, command, attempt): none
  // verifies (a 64-bit MAC: the chance of one is 100,000 / 2^64).
  reply_token t{0xFEEDull, 99, 1};
  auto b = encode_token(t, secret);
  uint64_t x = 88172645463325252ull;
  int accepted = 0;
  for (int i = 0; i < 100'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    auto forged = b;
    for (int k = 0; k < 8; ++k)
      forged[18 + k] = static_cast<char>((x >> (8 * k)) & 0xFF);
    if (forged != b && verify_token(forged, secret))
      ++accepted;
  }
  CHECK(accepted == 0);
}
