#include "runtime/wire/token.hpp"

namespace shelfwire::wire {

namespace {

/// Bytes [0..17]: what the MAC covers.
constexpr size_t covered_size = 18;

void put_be(char* p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

uint64_t get_be(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t mac_of(std::string_view covered, const token_key& key) {
  return siphash24(key, covered);
}

} // namespace

std::string encode_token(const reply_token& t, const token_key& key) {
  std::string out(token_size, '\0');
  out[0] = static_cast<char>(token_version);
  put_be(&out[1], t.incarnation, 8);
  put_be(&out[9], t.command_id, 8);
  out[17] = static_cast<char>(t.attempt);
  put_be(&out[covered_size], mac_of(std::string_view{out.data(), covered_size}, key), 8);
  return out;
}

std::optional<reply_token> peek_token(std::string_view bytes) {
  if (bytes.size() != token_size || static_cast<uint8_t>(bytes[0]) != token_version)
    return std::nullopt;
  reply_token t;
  t.incarnation = get_be(bytes.data() + 1, 8);
  t.command_id = get_be(bytes.data() + 9, 8);
  t.attempt = static_cast<uint8_t>(bytes[17]);
  return t;
}

std::optional<reply_token> verify_token(std::string_view bytes, const token_key& key) {
  auto t = peek_token(bytes);
  if (!t)
    return std::nullopt;
  // Constant time: the XOR of the two MACs, tested once.
  auto want = mac_of(bytes.substr(0, covered_size), key);
  auto got = get_be(bytes.data() + covered_size, 8);
  if ((want ^ got) != 0)
    return std::nullopt;
  return t;
}

} // namespace shelfwire::wire
