#pragma once

// Helpers for the shelfwire-submit tests: one node process and the gateway
// emulator process on real servers (process_env), running the CLI to its
// exit, reading its JSON, watching what reaches the submit topic.

#include <atomic>
#include <functional>
#include <memory>

#include "runtime/mqtt/client.hpp"
#include "runtime/wire/job_notices.hpp"
#include "tests/integration/process/process_support.hpp"
#include "tests/support/json.hpp"

namespace shelfwire::testing {

/// Runs shelfwire-submit with `args` to its exit (killed at `timeout`).
inline exit_report run_submit(const temp_dir& dir, std::vector<std::string> args,
                              std::chrono::milliseconds timeout = 120s) {
  static std::atomic<int> n{0};
  args.insert(args.begin(), build_binary("shelfwire-submit"));
  return run_to_exit(dir, "submit" + std::to_string(++n), std::move(args), timeout);
}

/// The JSON object the CLI printed.
inline json_value submit_json(const exit_report& r) {
  std::string err;
  auto v = json_parser::parse(r.out, &err);
  INFO("stdout: " << r.out << "\nstderr: " << r.err << "\nJSON: " << err);
  REQUIRE(v);
  REQUIRE(v->is_object());
  return *v;
}

/// A store served by one node process and one emulator process.
struct submit_env {
  process_env env;
  store_settings store;
  node_settings node_cfg;
  child_process node;
  child_process emu;
  std::unique_ptr<show_logs_on_failure> logs;

  /// Starts the node, then the emulator (with `emu_args`), and waits until
  /// the node has the store's routes.
  void start(store_settings s, std::vector<std::string> emu_args = {},
             const std::function<void(node_settings&)>& tweak = {}) {
    store = s;
    env.connect_clients();
    node_cfg = env.node("submit-node");
    if (tweak)
      tweak(node_cfg);
    node = start_node(env.dir, node_cfg);
    logs = std::make_unique<show_logs_on_failure>(
        std::initializer_list<std::pair<std::string, const child_process*>>{{"node", &node}});
    REQUIRE(env.wait_node_ready(node_cfg.name));
    emu = start_emulator(env.dir, "submit-emu", env.broker.url(), store, 300, std::move(emu_args));
    logs->add("emulator", &emu);
    REQUIRE(wait_until([&] { return log_has_line(emu, "ready") || !emu.running(); }, 30s));
    REQUIRE(emu.running());
    REQUIRE(env.wait_converged(node_cfg.name, adverts_per_round(store_of(store))));
  }

  std::vector<esl_mac> esls() const { return esls_of(store_of(store)); }

  /// The CLI against this env's broker.
  exit_report submit(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) {
    args.insert(args.begin(), "--mqtt=" + env.broker.url());
    return run_submit(env.dir, std::move(args), timeout);
  }

  /// Both processes stop cleanly.
  void stop() {
    CHECK(signal_and_wait(node, SIGTERM) == 0);
    CHECK(signal_and_wait(emu, SIGTERM) == 0);
    CHECK_FALSE(has_sanitizer_report(read_text(node.log_path())));
  }
};

/// Counts the payloads published on `{prefix}/submit`.
class submit_topic_watch {
public:
  submit_topic_watch(const std::string& url, metrics::registry& reg,
                     const std::string& prefix = "esl/jobs") {
    client_ =
        std::make_unique<mqtt::client>(test_client(url, "submit-topic-watch"), reg, "test.watch.");
    client_->subscribe(prefix + "/submit", 1, [this](mqtt::message&& m) {
      auto job = wire::decode_job(m.payload);
      std::lock_guard<std::mutex> g{mtx_};
      jobs_.push_back(job ? job->job : "<undecodable>");
    });
    REQUIRE(client_->start());
    REQUIRE(client_->wait_ready(10s));
  }

  /// The job id of every submission seen so far.
  std::vector<std::string> jobs() const {
    std::lock_guard<std::mutex> g{mtx_};
    return jobs_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<std::string> jobs_;
  std::unique_ptr<mqtt::client> client_; ///< last: stopped before jobs_ goes
};

/// Starts shelfwire-submit with `args` in the background: stdout in
/// `{dir}/{tag}.out`, stderr in `{dir}/{tag}.err` (the child's log).
inline child_process start_submit(const temp_dir& dir, const std::string& tag,
                                  std::vector<std::string> args) {
  std::vector<std::string> sh{"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", dir.file(tag + ".err"),
                              build_binary("shelfwire-submit")};
  sh.insert(sh.end(), args.begin(), args.end());
  return child_process::start(std::move(sh), dir.file(tag + ".out"));
}

/// Plays the cluster's side of the northbound protocol from the test: sees
/// every submission (its job and how many came before) and answers through
/// receipt(), progress() and result(), from the handler or the test thread.
class fake_cluster {
public:
  using handler = std::function<void(fake_cluster&, const wire::job_submission&, int nth)>;

  fake_cluster(const std::string& url, metrics::registry& reg, handler h,
               std::string prefix = "esl/jobs")
      : prefix_(std::move(prefix))
      , handler_(std::move(h)) {
    client_ = std::make_unique<mqtt::client>(test_client(url, "fake-cluster"), reg, "test.fake.");
    client_->subscribe(prefix_ + "/submit", 1, [this](mqtt::message&& m) {
      auto job = wire::decode_job(m.payload);
      if (!job)
        return;
      int nth = ++submissions_;
      handler_(*this, *job, nth);
    });
    REQUIRE(client_->start());
    REQUIRE(client_->wait_ready(10s));
  }

  int submissions() const { return submissions_.load(); }
  bool wait_ready(std::chrono::milliseconds t) { return client_->wait_ready(t); }

  void receipt(const wire::job_submission& job, std::string node, std::string standby) {
    std::string out;
    wire::encode(
        wire::job_receipt{job.job, std::move(node), std::move(standby), job.commands.size()}, out);
    publish(job.job + "/accepted", out, 1);
  }
  void progress(const wire::job_submission& job, std::string node, uint64_t done) {
    std::string out;
    wire::encode(wire::job_progress{job.job, std::move(node), done, job.commands.size()}, out);
    publish(job.job + "/progress", out, 0);
  }
  void result(const wire::job_result& r) {
    std::string out;
    wire::encode(r, out);
    publish(r.job + "/result", out, 1);
  }

  /// Every command acked through one gateway.
  static wire::job_result all_acked(const wire::job_submission& job, std::string node) {
    wire::job_result r;
    r.job = job.job;
    r.node = std::move(node);
    for (auto& c : job.commands) {
      wire::command_result o;
      o.esl = c.esl;
      o.op = c.op;
      o.status = outcome_status::acked;
      o.gw = gw_mac::from_u64(0xAA0000000001);
      o.attempts = 1;
      o.latency_us = 1'234;
      r.outcomes.push_back(o);
    }
    return r;
  }

private:
  void publish(const std::string& tail, const std::string& payload, int qos) {
    auto rc = client_->publish(prefix_ + "/" + tail, payload, qos);
    if (rc != mqtt::publish_errc::ok)
      std::cerr << "fake_cluster: publish on " << tail << " failed\n";
  }

  std::string prefix_;
  handler handler_;
  std::atomic<int> submissions_{0};
  std::unique_ptr<mqtt::client> client_; ///< last: stopped before the rest goes
};

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace shelfwire::testing
