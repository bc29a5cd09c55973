// decode_job_receipt, decode_job_progress, decode_dead_letter: the notices a
// producer reads from `{jobs-prefix}/{job}/accepted`, `.../progress` and
// `{jobs-prefix}/dead-letters`. The first byte picks the decoder (one parse
// per execution instead of three); the rest is the payload.

#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  if (size == 0)
    return 0;
  auto input = as_text(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    check_decoder(
        input, [](std::string_view b, const decode_limits& l) { return decode_job_receipt(b, l); },
        [](const job_receipt& r) { return check_job_id(r.job).empty(); }, unchanged{});
    break;
  case 1:
    check_decoder(
        input, [](std::string_view b, const decode_limits& l) { return decode_job_progress(b, l); },
        [](const job_progress& p) { return check_job_id(p.job).empty() && p.done <= p.total; },
        unchanged{});
    break;
  default:
    check_decoder(
        input, [](std::string_view b, const decode_limits& l) { return decode_dead_letter(b, l); },
        [](const dead_letter& d) {
          return check_job_id(d.job).empty() && valid_mac(d.esl.value()) && valid_op(d.op) &&
                 valid_status(d.status);
        },
        unchanged{});
  }
  return 0;
}
