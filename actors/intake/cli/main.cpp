// shelfwire-submit: the reference producer. Submits one job to a shelfwire
// cluster over MQTT (docs/northbound.md), resubmits it while no receipt
// comes, shows its progress, and prints its result as a table or JSON.
//
//   shelfwire-submit [OPTIONS] --file PATH
//   shelfwire-submit [OPTIONS] --esl MAC --op OP [--arg NAME=VALUE ...]
//
// Exit codes: 0 every command acked, 1 not every command acked or the job was
// rejected, 2 usage or input error, 3 no receipt/no result in time, 4 no
// broker, 130/143 interrupted. Everything: --help, README.md beside this file.

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "actors/intake/cli/job_file.hpp"
#include "actors/intake/cli/report.hpp"
#include "actors/intake/cli/submit_options.hpp"
#include "actors/intake/cli/submit_session.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/core/stop_signals.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/client_options.hpp"

namespace {

using namespace shelfwire;
using namespace shelfwire::submit;

int fail(int code, const std::string& what, bool hint = false) {
  std::cerr << "shelfwire-submit: " << what << "\n";
  if (hint)
    std::cerr << "(see shelfwire-submit --help)\n";
  return code;
}

/// The file's content, one trailing newline (LF or CRLF) dropped; at most 64 KiB.
expected<std::string, std::string> read_password_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return unexpected{"--password-file: cannot read '" + path + "': " + std::strerror(errno)};
  std::string pw;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    pw.append(buf, static_cast<size_t>(in.gcount()));
    if (pw.size() > 65536)
      return unexpected{"--password-file: '" + path + "' is larger than 64 KiB"};
  }
  if (!pw.empty() && pw.back() == '\n')
    pw.pop_back();
  if (!pw.empty() && pw.back() == '\r')
    pw.pop_back();
  return pw;
}

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0)
    return "host";
  return host;
}

session_settings settings_of(const submit_options& o, const std::string& job, std::string payload,
                             uint64_t commands, uint64_t random) {
  session_settings s;
  s.mqtt.url = o.mqtt_url;
  s.mqtt.client_id = o.client_id.empty() ? "shelfwire-submit-" + std::to_string(getpid()) + "-" +
                                               std::to_string(random % 100000)
                                         : o.client_id;
  s.mqtt.username = o.username;
  if (const char* pw = std::getenv("SHELFWIRE_MQTT_PASSWORD"))
    s.mqtt.password = pw;
  s.mqtt.tls_ca = o.tls_ca;
  s.mqtt.tls_certificate = o.tls_cert;
  s.mqtt.tls_key = o.tls_key;
  s.mqtt.connect_timeout_ms = static_cast<int>(std::max<int64_t>(1000, o.connect_timeout_ms));
  s.mqtt.reconnect_min_ms = 100;
  s.mqtt.reconnect_max_ms = 2000;
  s.prefix = o.prefix;
  s.job = job;
  s.payload = std::move(payload);
  s.commands = commands;
  s.connect_timeout_ms = o.connect_timeout_ms;
  s.receipt_timeout_ms = o.receipt_timeout_ms;
  s.max_submits = o.max_submits;
  s.timeout_ms = o.timeout_ms;
  bool tty = isatty(STDERR_FILENO) == 1;
  s.show_progress = !o.quiet && (tty || o.progress);
  s.progress_in_place = tty;
  s.notes = !o.quiet;
  s.verbose = o.verbose;
  return s;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto opts = parse_options(std::vector<std::string>(argv, argv + argc));
  if (!opts)
    return fail(exit_code::usage, opts.error(), true);
  auto& o = *opts;
  if (o.help) {
    std::cout << usage_text;
    return exit_code::all_acked;
  }

  // The input, checked in full before anything is sent (Ctrl-C still ends
  // a read from a terminal: the signals are taken over only below).
  auto in = o.file.empty() ? job_from_arguments(o.esls, o.op, o.args, o.limits)
                           : load_job_file(o.file, o.format, o.limits);
  if (!in)
    return fail(exit_code::usage, in.error());
  std::random_device rd;
  uint64_t random = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  wire::job_submission job;
  job.job = !o.job.empty()     ? o.job
            : !in->job.empty() ? in->job
                               : generate_job_id(host_name(), wall_now_ms(), random);
  job.commands = std::move(in->commands);
  apply_rollout(job, in->rollout, o.rollout);
  auto payload = encode_checked(job, in->origins, o.limits);
  if (!payload)
    return fail(exit_code::usage, payload.error());

  auto settings = settings_of(o, job.job, std::move(*payload), job.commands.size(), random);
  if (!o.password_file.empty()) {
    auto pw = read_password_file(o.password_file);
    if (!pw)
      return fail(exit_code::usage, pw.error());
    settings.mqtt.password = std::move(*pw);
  }
  // TLS files: before any thread, named by their flags.
  if (auto problem =
          mqtt::check_tls_options(settings.mqtt, {"--mqtt", "--tls-ca", "--tls-cert", "--tls-key"});
      !problem.empty())
    return fail(exit_code::usage, problem, true);

  stop_signals signals; // before any thread exists (spdlog, paho, ours)
  log::log_options lo;
  lo.level = o.verbose ? "info" : "error";
  lo.process_name = "shelfwire-submit";
  if (auto err = log::setup(lo); !err.empty())
    return fail(exit_code::usage, err);
  auto r = run_session(std::move(settings), signals);
  if (!r.connected)
    return fail(exit_code::no_broker, r.error);
  auto& sum = r.summary;
  sum.origins = std::move(in->origins);
  if (sum.result && sum.result->rejected && !o.quiet)
    std::cerr << "shelfwire-submit: job " << sum.job << " was rejected: " << sum.result->error
              << "\n";
  std::cout << (o.json ? render_json(sum) : render_table(sum, o.show_failed)) << std::flush;
  log::flush();
  return exit_code_of(sum);
}
