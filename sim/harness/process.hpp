#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace shelfwire::sim {

/// A child process started with fork/exec. Output goes to `log_path` (stdout
/// and stderr together) so a failing test can show it. The destructor kills
/// the process (SIGKILL) if it is still running.
class child_process {
public:
  child_process() = default;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  ~child_process();

  /// Starts `argv[0]` (looked up in PATH if it has no slash). Throws
  /// std::runtime_error if fork/exec is impossible.
  static child_process start(std::vector<std::string> argv, std::string log_path);

  int pid() const { return pid_; }
  bool running();

  /// Sends a signal (SIGTERM, SIGKILL, SIGSTOP, SIGCONT).
  void signal(int sig);

  /// Waits for the exit; returns the exit status (128+signal if killed), or
  /// nullopt if still running at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds{5000});

  const std::string& log_path() const { return log_path_; }

  /// The last `max_bytes` of the log, for failure messages.
  std::string log_tail(size_t max_bytes = 4000) const;

private:
  int pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read
/// back, closed).
uint16_t free_port();

/// True if something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(uint16_t port);

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents by
/// the destructor.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Path of a binary built by this project, e.g. build_binary("shelfwire-node"):
/// $SHELFWIRE_BUILD_DIR/bin/<name> if set, else next to the running program.
std::string build_binary(const std::string& name);

} // namespace shelfwire::sim
