// decode_response: a gateway's reply (`{prefix}/{gw}/response`), the payload
// every node reads most. Round trip and the contract's invariants.

#include "runtime/wire/token.hpp"
#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  auto d = check_decoder(
      as_text(data, size),
      [](std::string_view b, const decode_limits& l) { return decode_response(b, l); },
      [](const response& r) {
        return (!r.id || r.id->size() <= max_token_bytes) && valid_mac(r.esl.value());
      },
      unchanged{});
  // The ingress peeks at every echoed token.
  if (d && d->id)
    (void)peek_token(*d->id);
  return 0;
}
