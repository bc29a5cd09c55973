#pragma once

// shelfwire-submit's command line. Pure logic.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/intake/cli/job_file.hpp"
#include "runtime/core/expected.hpp"

namespace shelfwire::submit {

struct submit_options {
  // The job: a file, or one command from arguments.
  std::string file;
  std::optional<input_format> format;
  std::vector<std::string> esls;
  std::string op;
  std::vector<std::string> args;
  std::string job; ///< "" = the file's, else generated
  /// --priority, --rate, --abort-threshold, --abort-min-outcomes (win over the file's).
  rollout_input rollout;
  input_limits limits;
  // The broker.
  std::string mqtt_url = "tcp://127.0.0.1:1883";
  std::string prefix = "esl/jobs";
  std::string client_id;     ///< "" = generated
  std::string username;      ///< the password comes from SHELFWIRE_MQTT_PASSWORD
  std::string password_file; ///< else the password is this file's content
  // TLS (ssl:// URLs): files checked by main before connecting.
  std::string tls_ca;   ///< "" = the system's CA store
  std::string tls_cert; ///< with tls_key: a client certificate
  std::string tls_key;
  int64_t connect_timeout_ms = 5'000;
  // Waiting.
  int64_t receipt_timeout_ms = 5'000;
  int max_submits = 5;
  int64_t timeout_ms = 600'000; ///< 0 = forever
  // Output.
  bool json = false;
  size_t show_failed = 20;
  bool progress = false; ///< progress lines even if stderr is not a terminal
  bool quiet = false;
  bool verbose = false;
  bool help = false;
};

extern const char* const usage_text;

/// The options, or a message for a usage error (exit 2). Flags take their
/// value as the next argument or after '=' (--timeout-ms=0).
expected<submit_options, std::string> parse_options(const std::vector<std::string>& argv);

/// "tcp://host:port" or "mqtt://host:port", or with TLS "ssl://host:port" or
/// "mqtts://host:port", with a port in 1..65535.
bool valid_broker_url(const std::string& url);

} // namespace shelfwire::submit
