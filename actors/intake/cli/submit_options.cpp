#include "actors/intake/cli/submit_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "runtime/core/text.hpp"

namespace shelfwire::submit {

const char* const usage_text =
    R"(usage: shelfwire-submit [OPTIONS] --file PATH
       shelfwire-submit [OPTIONS] --esl MAC [--esl MAC ...] --op OP [--arg NAME=VALUE ...]

Submits one job to a shelfwire cluster over MQTT (northbound protocol v1,
docs/northbound.md), waits for its receipt and its result, and prints a
summary. The input is checked in full before anything is sent.

the job:
  --file PATH          a job file ("-" reads standard input); the format comes from
                       the extension (.json, .csv) or --format
  --format json|csv    the file's format
      JSON: {"job": "ID", "commands": [{"esl": "AABBCCDDEEFF", "op": "price",
             "args": {"price": "1.99"}}, ...]}, or just the commands array;
             argument values are strings; unknown keys are errors
      CSV:  one command per line: esl,op[,args] with args name=value;name=value
            (\; and \\ escape; values may hold '=' and ','); blank lines and lines
            starting with # are skipped; a first line starting with "esl" is a header
  --esl MAC            one label, 12 hex digits (colons or dashes allowed); repeat
                       for several labels, each gets the same --op and --arg
  --op OP              price, image, blink, page or ping
  --arg NAME=VALUE     an argument of the command (repeatable)
  --job ID             the job id (1..128 of A-Z a-z 0-9 . _ : -); overrides the
                       file's; default: submit-<host>-<UTC time>-<random>
  --priority P         high, normal (the default) or bulk: high commands start
                       before waiting normal and bulk ones (docs/northbound.md)
  --rate N             release at most N commands per second (a decimal number
                       in [0.001, 1000000]; default: unlimited)
  --abort-threshold S  once this share (0 < S <= 1) of the counted outcomes
                       failed, the job's commands not yet started end `aborted`
  --abort-min-outcomes N
                       outcomes counted before the threshold applies (default 10)
      A JSON job file may carry "priority", "rate", "abort_threshold" and
      "abort_min_outcomes" at its top level; these flags win over it.
  --max-commands N     refuse bigger jobs before sending (default 100000, the
                       nodes' intake.max-commands-per-job)
  --max-payload-bytes N
                       refuse bigger payloads before sending (default 16777216,
                       the nodes' intake.max-payload-bytes)

the broker:
  --mqtt URL           tcp://host:port, or ssl://host:port for TLS (the broker's
                       certificate is verified, and must name the host)
                       (default tcp://127.0.0.1:1883)
  --prefix PREFIX      the nodes' intake.topic-prefix (default esl/jobs)
  --client-id ID       MQTT client id (default shelfwire-submit-<pid>-<random>)
  --username NAME      MQTT user name; the password is read from the environment
                       variable SHELFWIRE_MQTT_PASSWORD, or from --password-file
  --password-file PATH the MQTT password: the file's content (one trailing newline
                       dropped); wins over SHELFWIRE_MQTT_PASSWORD
  --tls-ca PATH        with ssl://: PEM file of the CA that signs the broker's
                       certificate (default: the system's CA store)
  --tls-cert PATH      with ssl://: PEM client certificate, for brokers that ask
                       for one (with --tls-key)
  --tls-key PATH       the private key of --tls-cert (not encrypted)
  --connect-timeout-ms MS
                       how long to try to reach the broker (default 5000)

waiting:
  --receipt-timeout-ms MS
                       submit again (same job id) when no receipt came within MS
                       (default 5000); resubmitting is idempotent
  --max-submits N      give up after N submissions without a receipt (default 5)
  --timeout-ms MS      wait at most MS for the result, counted from the first
                       submission (default 600000; 0 = forever)

output:
  --json               print one JSON object instead of the table
  --show-failed N      list at most N commands that were not acked (default 20)
  --progress           show progress on stderr even if it is not a terminal
  --quiet              no progress and no notes on stderr, only errors
  --verbose            notes on every receipt, resubmission and link change,
                       and the MQTT client's log
  --help

exit codes:
  0  every command was acked
  1  the job finished but not every command was acked, or it was rejected
  2  usage or input error (nothing was sent)
  3  no receipt and no result after all submissions, or no result in time
  4  cannot connect to the broker
  130, 143  interrupted by SIGINT, SIGTERM
)";

bool valid_broker_url(const std::string& url) {
  std::string_view rest{url};
  if (rest.rfind("tcp://", 0) == 0 || rest.rfind("ssl://", 0) == 0)
    rest.remove_prefix(6);
  else if (rest.rfind("mqtt://", 0) == 0)
    rest.remove_prefix(7);
  else if (rest.rfind("mqtts://", 0) == 0)
    rest.remove_prefix(8);
  else
    return false;
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  return parse_port(rest.substr(colon + 1)).has_value();
}

namespace {

using parse_result = expected<submit_options, std::string>;

expected<int64_t, std::string> parse_int(const std::string& flag, const std::string& v, int64_t lo,
                                         int64_t hi) {
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
    return unexpected{flag + ": expected an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "], got '" + v + "'"};
  return static_cast<int64_t>(x);
}

expected<double, std::string> parse_decimal(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(x))
    return unexpected{flag + ": expected a number, got '" + v + "'"};
  return x;
}

constexpr std::string_view flag_names[4] = {"--priority", "--rate", "--abort-threshold",
                                            "--abort-min-outcomes"};

/// Sets the option `flag` (which takes a value) from `v`; "" or the error.
std::string set_value(submit_options& o, const std::string& flag, const std::string& v) {
  auto num = [&](int64_t lo, int64_t hi, auto& out) -> std::string {
    auto x = parse_int(flag, v, lo, hi);
    if (!x)
      return x.error();
    out = static_cast<std::remove_reference_t<decltype(out)>>(*x);
    return "";
  };
  if (flag == "--file") {
    o.file = v;
  } else if (flag == "--format") {
    o.format = parse_format(v);
    if (!o.format)
      return "--format: expected json or csv, got '" + v + "'";
  } else if (flag == "--esl") {
    o.esls.push_back(v);
  } else if (flag == "--op") {
    o.op = v;
  } else if (flag == "--arg") {
    o.args.push_back(v);
  } else if (flag == "--job") {
    if (auto why = wire::check_job_id(v); !why.empty())
      return "--job: " + why;
    o.job = v;
  } else if (flag == "--priority") {
    o.rollout.prio = parse_priority(v);
    if (!o.rollout.prio)
      return "--priority: expected high, normal or bulk, got '" + v + "'";
  } else if (flag == "--rate" || flag == "--abort-threshold") {
    auto x = parse_decimal(flag, v);
    if (!x)
      return x.error();
    (flag == "--rate" ? o.rollout.rate_per_s : o.rollout.abort_threshold) = *x;
    return check_rollout(o.rollout, flag_names);
  } else if (flag == "--abort-min-outcomes") {
    int64_t n = 0;
    if (auto e = num(1, wire::max_abort_min_outcomes, n); !e.empty())
      return e;
    o.rollout.abort_min_outcomes = static_cast<uint32_t>(n);
  } else if (flag == "--max-commands") {
    return num(1, 10'000'000, o.limits.max_commands);
  } else if (flag == "--max-payload-bytes") {
    return num(1024, int64_t{1} << 30, o.limits.max_payload_bytes);
  } else if (flag == "--mqtt") {
    if (!valid_broker_url(v))
      return "--mqtt: expected tcp://host:port or ssl://host:port, got '" + v + "'";
    o.mqtt_url = v;
  } else if (flag == "--prefix") {
    if (v.empty() || v.find_first_of("+#") != std::string::npos || v.back() == '/')
      return "--prefix: expected a topic prefix without wildcards or a trailing '/', got '" + v +
             "'";
    o.prefix = v;
  } else if (flag == "--client-id") {
    if (v.empty())
      return "--client-id must not be empty";
    o.client_id = v;
  } else if (flag == "--username") {
    o.username = v;
  } else if (flag == "--password-file") {
    o.password_file = v;
  } else if (flag == "--tls-ca") {
    o.tls_ca = v;
  } else if (flag == "--tls-cert") {
    o.tls_cert = v;
  } else if (flag == "--tls-key") {
    o.tls_key = v;
  } else if (flag == "--connect-timeout-ms") {
    return num(100, 3'600'000, o.connect_timeout_ms);
  } else if (flag == "--receipt-timeout-ms") {
    return num(10, 3'600'000, o.receipt_timeout_ms);
  } else if (flag == "--max-submits") {
    return num(1, 1000, o.max_submits);
  } else if (flag == "--timeout-ms") {
    return num(0, int64_t{30} * 24 * 3'600'000, o.timeout_ms);
  } else if (flag == "--show-failed") {
    return num(0, 100'000'000, o.show_failed);
  } else {
    return "unknown option '" + flag + "'";
  }
  return "";
}

bool takes_value(const std::string& flag) {
  // clang-format off
  static const char* const flags[] = {
      "--file", "--format", "--esl", "--op", "--arg", "--job", "--priority", "--rate",
      "--abort-threshold", "--abort-min-outcomes", "--max-commands",
      "--max-payload-bytes", "--mqtt", "--prefix", "--client-id", "--username",
      "--password-file", "--tls-ca", "--tls-cert", "--tls-key",
      "--connect-timeout-ms", "--receipt-timeout-ms", "--max-submits", "--timeout-ms",
      "--show-failed"};
  // clang-format on
  for (auto f : flags)
    if (flag == f)
      return true;
  return false;
}

/// The combinations that make no sense.
std::string check_combination(const submit_options& o) {
  bool by_args = !o.esls.empty() || !o.op.empty() || !o.args.empty();
  if (!o.file.empty() && by_args)
    return "--file and --esl/--op/--arg exclude each other";
  if (o.file.empty() && !by_args)
    return "expected --file PATH, or --esl MAC --op OP";
  if (by_args && o.esls.empty())
    return "--esl is missing";
  if (by_args && o.op.empty())
    return "--op is missing";
  if (o.format && o.file.empty())
    return "--format applies to --file only";
  if (o.quiet && (o.verbose || o.progress))
    return "--quiet excludes --verbose and --progress";
  return "";
}

} // namespace

parse_result parse_options(const std::vector<std::string>& argv) {
  submit_options o;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      return o;
    }
    if (a == "--json") {
      o.json = true;
    } else if (a == "--progress") {
      o.progress = true;
    } else if (a == "--quiet" || a == "-q") {
      o.quiet = true;
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a.rfind("--", 0) == 0) {
      std::string flag = a, value;
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        flag = a.substr(0, eq);
        value = a.substr(eq + 1);
      } else if (takes_value(a)) {
        if (i + 1 >= argv.size())
          return unexpected{a + " needs a value"};
        value = argv[++i];
      }
      if (flag == "--json" || flag == "--progress" || flag == "--quiet" || flag == "--verbose" ||
          flag == "--help")
        return unexpected{flag + " takes no value"};
      if (!takes_value(flag))
        return unexpected{"unknown option '" + flag + "'"};
      if (auto e = set_value(o, flag, value); !e.empty())
        return unexpected{e};
    } else {
      return unexpected{"unexpected argument '" + a + "'"};
    }
  }
  if (auto e = check_combination(o); !e.empty())
    return unexpected{e};
  return o;
}

} // namespace shelfwire::submit
