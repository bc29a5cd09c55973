#pragma once

// How shelfwire-submit ends: the summary table or the JSON object on stdout,
// and the exit code. Pure logic.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wire/job_notices.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire::submit {

/// Exit codes (README.md, --help).
namespace exit_code {
constexpr int all_acked = 0;
constexpr int not_all_acked = 1; ///< finished with other outcomes, or rejected
constexpr int usage = 2;         ///< bad options or input
constexpr int no_answer = 3;     ///< no receipt and no result, or no result in time
constexpr int no_broker = 4;     ///< cannot connect to the broker
constexpr int sigint = 130;
constexpr int sigterm = 143;
} // namespace exit_code

/// How the wait ended.
enum class run_end {
  result,      ///< the job's result arrived (done or rejected)
  no_receipt,  ///< every submission went unanswered
  timed_out,   ///< accepted (or unknown) but no result within --timeout-ms
  interrupted, ///< SIGINT/SIGTERM
};

/// Everything the output needs.
struct run_summary {
  std::string job;
  run_end end = run_end::result;
  int signal = 0; ///< with interrupted
  std::optional<wire::job_receipt> receipt;
  std::optional<wire::job_result> result;
  std::optional<wire::job_progress> progress; ///< the latest
  uint64_t commands = 0;
  int submits = 0;
  int64_t elapsed_ms = 0;           ///< first submission -> end
  std::vector<std::string> origins; ///< each command's origin (file line, entry)
};

/// "done", "rejected", "no_receipt", "timed_out", "interrupted".
std::string_view status_word(const run_summary& s);

int exit_code_of(const run_summary& s);

/// The table for people: job, status, node, standby, elapsed, counts per
/// outcome status, and the first `show_failed` commands that were not acked.
std::string render_table(const run_summary& s, size_t show_failed);

/// One JSON object and a newline: {"job", "status", "node", "standby",
/// "receipt", "error"?, "commands", "submits", "elapsed_ms", "counts",
/// "outcomes": [{"esl", "op", "status", "code", "gw", "attempts", "reason",
/// "latency_us", "backbone_us"?}], "progress"?}.
std::string render_json(const run_summary& s);

/// `s` as a JSON string literal: quotes, backslashes and control characters
/// escaped, invalid UTF-8 replaced by U+FFFD.
std::string json_string(std::string_view s);

/// "950 us", "48.2 ms", "2.41 s".
std::string format_duration_us(uint64_t us);

} // namespace shelfwire::submit
