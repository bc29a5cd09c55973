// decode_job_result and decode_job_rejection: what producers (and
// shelfwire-submit) read from `{jobs-prefix}/{job}/result` and
// `{jobs-prefix}/rejected`. The first byte picks the decoder (odd: the
// rejection); the rest is the payload.

#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  if (size == 0)
    return 0;
  auto input = as_text(data + 1, size - 1);
  if (data[0] % 2 == 1) {
    check_decoder(
        input,
        [](std::string_view b, const decode_limits& l) { return decode_job_rejection(b, l); },
        [](const job_rejection&) { return true; }, unchanged{});
    return 0;
  }
  check_decoder(
      input, [](std::string_view b, const decode_limits& l) { return decode_job_result(b, l); },
      [](const job_result& r) {
        if (!check_job_id(r.job).empty())
          return false;
        for (const auto& o : r.outcomes)
          if (!valid_mac(o.esl.value()) || !valid_op(o.op) || !valid_status(o.status))
            return false;
        return true;
      },
      [](const job_result& r) {
        auto n = r;
        if (!n.rejected)
          n.error.clear(); // `error` is written only when rejected
        return n;
      });
  return 0;
}
