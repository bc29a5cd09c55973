#pragma once

// `log.format = json`: one log entry as one JSON object on one line. Pure
// functions (no spdlog, no clock, no locale); log.cpp wires them into spdlog
// with a formatter. The rules are documented in docs/operations.md, "Logs".

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/core/json_writer.hpp"

namespace shelfwire::log {

/// The ids one log message names; an empty string: not named.
struct message_ids {
  std::string job;
  std::string command;
  std::string esl; ///< 12 upper-case hex digits
};

/// The job, command and ESL ids `message` names. A keyword — `job`,
/// `command` or `cmd`, `esl` (any case, not preceded by a letter, digit or
/// `_`) — followed by:
///
/// - `=` and a value: for job and command, quoted ('...' or "...") or bare (a
///   run of [A-Za-z0-9._:-], without a trailing `.` or `:`), 1..128 characters
///   of that alphabet; for esl, 12 hex digits (quoted or not);
/// - one space and the form the code writes in prose: `job '<id>'`,
///   `command <decimal digits>`, `ESL <12 hex digits>`.
///
/// A value ends where the next character cannot continue it (a hex MAC or a
/// decimal id followed by a letter or digit is no match). The first match of
/// each field counts; a keyword whose value does not match is skipped.
message_ids extract_ids(std::string_view message);

/// (JSON strings: shelfwire::append_json_string, runtime/core/json_writer.hpp.)
using shelfwire::append_json_string;

/// `unix_ms` (milliseconds since 1970-01-01T00:00:00Z) as ISO 8601 UTC with
/// milliseconds: "2026-12-03T16:20:01.123Z".
std::string iso8601_utc_ms(int64_t unix_ms);

/// One log entry.
struct log_entry {
  int64_t unix_ms = 0;
  std::string_view level;   ///< trace, debug, info, warn, error, critical
  std::string_view node;    ///< log_options::process_name
  std::string_view module;  ///< the logger's name
  std::string_view message; ///< the formatted message
};

/// The entry as one JSON object, without a line end:
/// {"time":...,"level":...,"node":...,"module":...,"message":...} followed
/// by "job", "command", "esl" for the ids the message names (extract_ids).
std::string format_json_line(const log_entry& e);

} // namespace shelfwire::log
