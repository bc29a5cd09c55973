#include <catch2/catch.hpp>

#include "runtime/core/hash.hpp"
#include "runtime/wire/token.hpp"

using namespace shelfwire;
using namespace shelfwire::wire;

namespace {

constexpr uint64_t secret = 0x5EC12E7'0000'BEEFull;

bool same(const reply_token& a, const reply_token& b) {
  return a.incarnation == b.incarnation && a.command_id == b.command_id && a.attempt == b.attempt;
}

} // namespace

TEST_CASE("token layout is the documented 22 bytes") {
  reply_token t{0x0102030405060708ull, 0x1112131415161718ull, 7};
  auto b = encode_token(t, secret);
  REQUIRE(b.size() == token_size);
  REQUIRE(token_size == 22);
  CHECK(static_cast<uint8_t>(b[0]) == token_version);
  for (int i = 0; i < 8; ++i) {
    CHECK(static_cast<uint8_t>(b[1 + i]) == 0x01 + i);
    CHECK(static_cast<uint8_t>(b[9 + i]) == 0x11 + i);
  }
  CHECK(static_cast<uint8_t>(b[17]) == 7);
  // check = low 32 bits of hash_bytes(bytes [0..17], secret), big endian
  auto h = static_cast<uint32_t>(hash_bytes(std::string_view(b.data(), 18), secret));
  CHECK(static_cast<uint8_t>(b[18]) == (h >> 24));
  CHECK(static_cast<uint8_t>(b[19]) == ((h >> 16) & 0xFF));
  CHECK(static_cast<uint8_t>(b[20]) == ((h >> 8) & 0xFF));
  CHECK(static_cast<uint8_t>(b[21]) == (h & 0xFF));
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
  CHECK(encode_token({1, 2, 3}, secret) != encode_token({1, 2, 3}, secret + 1));
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

TEST_CASE("a wrong secret fails verification but peek still reads the token") {
  reply_token t{77, 88, 9};
  auto b = encode_token(t, secret);
  for (uint64_t other :
       std::initializer_list<uint64_t>{0, secret ^ 1, secret + (1ull << 32), ~secret})
    CHECK(!verify_token(b, other));
  auto p = peek_token(b);
  REQUIRE(p);
  CHECK(same(*p, t));
}

TEST_CASE("wrong size or version is refused by peek and verify") {
  auto b = encode_token({5, 6, 7}, secret);
  for (std::string x : {std::string(), b.substr(0, 21), b + "x", b + b, std::string(22, '\0'),
                        std::string(1, '\x01')}) {
    INFO("size " << x.size());
    CHECK(!peek_token(x));
    CHECK(!verify_token(x, secret));
  }
  for (uint8_t version : {0, 2, 255}) {
    auto x = b;
    x[0] = static_cast<char>(version);
    CHECK(!peek_token(x));
    CHECK(!verify_token(x, secret));
  }
}
