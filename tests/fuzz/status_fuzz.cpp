// decode_status: a gateway's status report (`{prefix}/{gw}/status`) with its
// adverts. Invalid adverts are skipped, never fatal; the kept ones are valid.

#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  check_decoder(
      as_text(data, size),
      [](std::string_view b, const decode_limits& l) { return decode_status(b, l); },
      [](const status& s) {
        for (const auto& a : s.adv)
          if (a.rssi < -200 || a.rssi > 100 || !valid_mac(a.esl.value()))
            return false;
        return valid_mac(s.gw.value());
      },
      [](const status& s) {
        auto n = s;
        n.skipped_adverts = 0; // re-encoding writes only the kept adverts
        return n;
      });
  return 0;
}
