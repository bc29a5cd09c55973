#pragma once

// shelfwire-submit's input: a job from a JSON or CSV file or from command-line
// arguments, checked against the rules a node applies before anything is
// sent. Pure logic except load_job_file (reads the file); no MQTT.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/expected.hpp"
#include "runtime/core/mac.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire::submit {

enum class input_format { json, csv };

std::string_view to_string(input_format f);

/// What the input may hold. The command and payload limits are the nodes'
/// defaults (intake.max-commands-per-job, intake.max-payload-bytes); the
/// string and argument limits are the node's decoder's (wire::decode_limits).
struct input_limits {
  size_t max_commands = 100'000;
  size_t max_payload_bytes = 16 * 1024 * 1024;
  size_t max_file_bytes = 256 * 1024 * 1024;
  size_t max_line_bytes = 1024 * 1024; ///< one CSV line
  size_t max_args = 1024;              ///< arguments of one command
  size_t max_string_bytes = 64 * 1024; ///< an argument's name or value
};

/// A job's rollout keys (docs/northbound.md, "Priority and rollout control")
/// as a JSON file or the flags give them; unset: the node's default.
struct rollout_input {
  std::optional<priority> prio;
  std::optional<double> rate_per_s;
  std::optional<double> abort_threshold;
  std::optional<uint32_t> abort_min_outcomes;
};

/// The node's rules for the rollout keys: "" if fine, else why not, naming
/// the key as `names` spell them (file keys or flags), in the order priority,
/// rate, abort_threshold, abort_min_outcomes.
std::string check_rollout(const rollout_input& r, const std::string_view (&names)[4]);
/// Sets `job`'s rollout keys: the file's, then the flags' (they win).
void apply_rollout(wire::job_submission& job, const rollout_input& file,
                   const rollout_input& flags);

/// A job as read, before it is sent.
struct job_input {
  std::string job;       ///< the file's job id; "" if it named none
  rollout_input rollout; ///< JSON files only: the job's priority, rate, abort threshold
  std::vector<wire::job_command> commands;
  /// Where each command came from, for messages: "line 17" (CSV),
  /// "commands[16] (line 40)" (JSON), "--esl 0A0000000001" (arguments).
  std::vector<std::string> origins;
};

using input_result = expected<job_input, std::string>;

/// A JSON job: {"job": "...", "commands": [{"esl", "op", "args"}, ...]} (an
/// optional "v": 1 is allowed, and the rollout keys "priority", "rate",
/// "abort_threshold", "abort_min_outcomes") or just the commands array. Strict: unknown
/// or repeated keys and wrong types are errors. Errors name the entry and
/// its line: "commands[3] (line 9): 'op': unknown operation \"prize\" ...".
input_result parse_json_job(std::string_view text, const input_limits& lim = {});

/// CSV: one command per line, `esl,op,args` where args is `name=value;...`
/// (`\;` and `\\` escape; a value may hold '=' and ','); blank lines and
/// lines starting with '#' are skipped; a first line whose first field is
/// `esl` is a header. Fields may be in double quotes ("" for a quote).
/// Errors name the line: "line 17: bad ESL ...".
input_result parse_csv_job(std::string_view text, const input_limits& lim = {});

/// The format a file's extension names (.json, .csv), if any.
std::optional<input_format> format_of_path(std::string_view path);
/// "json" or "csv".
std::optional<input_format> parse_format(std::string_view s);

/// Reads `path` ("-": standard input) and parses it in `format` (or the one
/// its extension names). Errors start with the path.
input_result load_job_file(const std::string& path, std::optional<input_format> format,
                           const input_limits& lim = {});

// -- the node's rules, one field at a time ------------------------------------

/// 12 hex digits, either case; ':' and '-' between them are allowed.
expected<esl_mac, std::string> parse_esl(std::string_view s);
/// price, image, blink, page, ping.
expected<wire::op_kind, std::string> parse_op_name(std::string_view s);
/// "name=value" (the value may contain '='; the name must not be empty).
expected<std::pair<std::string, std::string>, std::string> parse_arg(std::string_view s);
/// Arguments of one command: at most max_args, names not empty and not
/// repeated, names and values at most max_string_bytes. "" if fine.
std::string check_args(const wire::arg_list& args, const input_limits& lim = {});

/// Builds a one-command-per-ESL job from arguments (--esl ... --op ... --arg ...).
input_result job_from_arguments(const std::vector<std::string>& esls, std::string_view op,
                                const std::vector<std::string>& args, const input_limits& lim = {});

/// Encodes the submission and checks it with the node's own decoder under
/// the limits: the payload, or why a node would refuse it (naming the
/// command's origin).
expected<std::string, std::string> encode_checked(const wire::job_submission& job,
                                                  const std::vector<std::string>& origins,
                                                  const input_limits& lim = {});

/// "submit-<host>-<yyyymmddThhmmssZ>-<8 hex>": a valid job id (characters of
/// the host name outside the allowed ones become '_').
std::string generate_job_id(std::string_view host, int64_t wall_ms, uint64_t random);

/// `s` in double quotes, control characters escaped, cut at `max` bytes.
std::string quoted(std::string_view s, size_t max = 40);

} // namespace shelfwire::submit
