#include "sim/harness/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace shelfwire::sim {

child_process::child_process(child_process&& other) noexcept
    : pid_(other.pid_)
    , status_(other.status_)
    , log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && running()) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::milliseconds{2000});
    }
    pid_ = other.pid_;
    status_ = other.status_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

child_process::~child_process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::milliseconds{5000});
  }
}

child_process child_process::start(std::vector<std::string> argv, std::string log_path) {
  if (argv.empty())
    throw std::runtime_error("child_process::start: empty argv");
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open log " + log_path + ": " + std::strerror(errno));
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  // Signals blocked in the parent (tests may block SIGTERM) must not leak.
  sigset_t empty;
  sigemptyset(&empty);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw std::runtime_error(std::string{"fork failed: "} + std::strerror(errno));
  }
  if (pid == 0) {
    // Die with the parent, even when it is killed: no orphaned servers.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::setpgid(0, 0);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0)
      ::dup2(devnull, STDIN_FILENO);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd);
  child_process p;
  p.pid_ = pid;
  p.log_path_ = std::move(log_path);
  return p;
}

bool child_process::running() {
  if (pid_ <= 0 || status_)
    return false;
  int st = 0;
  auto r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds{200};
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    // Polling a child's exit status: there is no portable fd to wait on.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds{20000});
  }
  return status_;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0)
    return -1;
  if (status_)
    return *status_;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  if (auto st = wait_exit(grace))
    return *st;
  ::kill(pid_, SIGKILL);
  auto st = wait_exit(std::chrono::milliseconds{5000});
  return st ? *st : -1;
}

std::string child_process::log_tail(size_t max_bytes) const {
  std::ifstream in{log_path_, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

temp_dir::temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string{base && *base ? base : "/tmp"} + "/shelfwire-test-XXXXXX";
  if (!::mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string build_binary(const std::string& name) {
  if (const char* dir = std::getenv("SHELFWIRE_BUILD_DIR"))
    return std::string{dir} + "/bin/" + name;
  // Next to the running program (all binaries land in <build>/bin).
  char self[4096];
  auto n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string path{self, static_cast<size_t>(n)};
    return path.substr(0, path.rfind('/') + 1) + name;
  }
  return name;
}

} // namespace shelfwire::sim
