// decode_action: what a gateway (and the emulator, shelfwire-gw-emu) reads
// from `{prefix}/{gw}/action`.

#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  check_decoder(
      as_text(data, size),
      [](std::string_view b, const decode_limits& l) { return decode_action(b, l); },
      [](const action& a) {
        return a.id.size() <= max_token_bytes && valid_mac(a.esl.value()) && valid_op(a.op) &&
               unique_names(a.args);
      },
      unchanged{});
  return 0;
}
