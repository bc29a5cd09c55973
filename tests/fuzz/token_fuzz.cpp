// peek_token: the layout of the `id` a gateway echoes (runtime/wire/token.hpp),
// read without the key by whichever node receives the reply. Only the layout
// is fuzzed here; the MAC (verify_token) has its own tests
// (tests/unit/wire/token_test.cpp).

#include <string>

#include "runtime/wire/token.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {
uint64_t get_be(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shelfwire::wire;
  auto input = fuzz::as_text(data, size);
  auto t = peek_token(input);
  const bool shaped =
      input.size() == token_size && static_cast<unsigned char>(input[0]) == token_version;
  FUZZ_CHECK(t.has_value() == shaped,
             "peek_token accepts exactly token_size bytes of token_version");
  if (t) {
    FUZZ_CHECK(t->incarnation == get_be(input, 1, 8), "incarnation is bytes [1..8]");
    FUZZ_CHECK(t->command_id == get_be(input, 9, 8), "command id is bytes [9..16]");
    FUZZ_CHECK(t->attempt == static_cast<unsigned char>(input[17]), "attempt is byte [17]");
  }
  return 0;
}
