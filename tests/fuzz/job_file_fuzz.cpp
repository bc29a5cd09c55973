// shelfwire-submit's job files (actors/intake/cli/job_file.hpp, no CAF):
// parse_json_job and parse_csv_job on the same bytes. What a file parser
// accepts must be what a node accepts: encode_checked (the node's own
// decoder) must take it, and decode_job must give back the same commands.

#include <string>

#include "actors/intake/cli/job_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/unit/wire/wire_test_support.hpp"

namespace {

using namespace shelfwire;

void check(const submit::input_result& r) {
  if (!r) {
    FUZZ_CHECK(!r.error().empty(), "a refusal says why");
    return;
  }
  FUZZ_CHECK(r->origins.size() == r->commands.size(), "one origin per command");
  wire::job_submission job;
  job.job = r->job.empty() ? "fuzz-job" : r->job;
  job.commands = r->commands;
  submit::apply_rollout(job, r->rollout, {});
  auto payload = submit::encode_checked(job, r->origins);
  if (!wire::check_job_id(job.job).empty())
    return; // refused by encode_checked with a message: the tool exits 2
  FUZZ_CHECK(payload, "a job the file parser accepts, a node refuses");
  auto back = wire::decode_job(*payload);
  FUZZ_CHECK(back && wire_test::same(*back, job), "the node reads another job");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  check(submit::parse_json_job(text));
  check(submit::parse_csv_job(text));
  return 0;
}
