// log::format_json_line (runtime/log/json_format.hpp): log messages carry
// outside bytes (a malformed payload's excerpt, a topic, a job id), and every
// line of log.format = json must stay one valid JSON object.
// Input: node \0 module \0 message (missing parts are empty).

#include <string>

#include "runtime/core/json_reader.hpp"
#include "runtime/log/json_format.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shelfwire;
  auto text = fuzz::as_text(data, size);
  std::string_view parts[3];
  for (int i = 0; i < 2; ++i) {
    auto nul = text.find('\0');
    if (nul == std::string_view::npos)
      break;
    parts[i] = text.substr(0, nul);
    text.remove_prefix(nul + 1);
  }
  parts[2] = text;
  log::log_entry e;
  e.unix_ms = static_cast<int64_t>(size) * 1'000'003;
  e.level = "warn";
  e.node = parts[0];
  e.module = parts[1];
  e.message = parts[2];
  auto line = log::format_json_line(e);
  FUZZ_CHECK(line.find('\n') == std::string::npos, "one line");
  std::string error;
  auto v = json_parser::parse(line, &error);
  FUZZ_CHECK(v && v->is_object(), "a JSON object");
  for (auto key : {"time", "level", "node", "module", "message"})
    FUZZ_CHECK(v->has(key) && (*v)[key].is_string(), "every field, as a string");
  auto ids = log::extract_ids(e.message);
  FUZZ_CHECK(ids.job.empty() == !v->has("job"), "job exactly when the message names one");
  if (!ids.job.empty())
    FUZZ_CHECK((*v)["job"].text == ids.job, "the job id the message names");
  return 0;
}
