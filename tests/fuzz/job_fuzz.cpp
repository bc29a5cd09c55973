// decode_job: a producer's submission (`{jobs-prefix}/submit`), plus
// salvage_job_id (the id of a broken submission, to address its rejection)
// and check_job_id (the id becomes a topic level).

#include "tests/fuzz/wire_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fuzz;
  auto input = as_text(data, size);
  auto d = check_decoder(
      input, [](std::string_view b, const decode_limits& l) { return decode_job(b, l); },
      [](const job_submission& j) {
        if (!check_job_id(j.job).empty())
          return false;
        // The rollout keys: a known priority, values inside their ranges.
        if (static_cast<unsigned>(j.prio) >= priority_count ||
            (j.rate_per_s &&
             !(*j.rate_per_s >= min_rate_per_s && *j.rate_per_s <= max_rate_per_s)) ||
            (j.abort_threshold && !(*j.abort_threshold > 0 && *j.abort_threshold <= 1)) ||
            j.abort_min_outcomes < 1 || j.abort_min_outcomes > max_abort_min_outcomes)
          return false;
        for (const auto& c : j.commands)
          if (!valid_mac(c.esl.value()) || !valid_op(c.op) || !unique_names(c.args))
            return false;
        return true;
      },
      unchanged{});
  auto salvaged = salvage_job_id(input);
  if (salvaged)
    FUZZ_CHECK(check_job_id(*salvaged).empty(), "salvaged an invalid job id");
  if (d)
    FUZZ_CHECK(salvaged == d->job, "salvage_job_id disagrees with decode_job");
  // The raw bytes as a job id: a valid id is a usable topic level.
  if (check_job_id(input).empty())
    FUZZ_CHECK(!input.empty() && input.size() <= 128 &&
                   input.find_first_of("/+#\0 ", 0, 5) == std::string_view::npos,
               "check_job_id accepts an id that is no topic level");
  return 0;
}
