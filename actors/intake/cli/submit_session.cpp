#include "actors/intake/cli/submit_session.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include "actors/intake/cli/session_io.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire::submit {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// What paho's threads and the signal thread report to the main thread.
/// Nobody publishes while holding `mtx` (paho's handlers would wait for it
/// while holding paho's own mutex).
struct inbox {
  std::mutex mtx;
  std::condition_variable cv;
  uint64_t version = 0; ///< bumped on every change
  std::optional<wire::job_receipt> receipt;
  uint64_t receipts = 0;
  std::optional<wire::job_progress> progress;
  uint64_t progresses = 0;
  std::optional<wire::job_result> result; ///< until the main thread takes it
  bool result_seen = false;               ///< the first result counts, repeats are dropped
  bool up = false;
  uint64_t ups = 0;
  uint64_t downs = 0;
  int signal = 0;
  std::vector<std::string> notes; ///< undecodable payloads (shown with --verbose)

  template <class F>
  void post(F&& f) {
    {
      std::lock_guard<std::mutex> g{mtx};
      f();
      ++version;
    }
    cv.notify_all();
  }
};

/// The inbox as the main thread saw it last.
struct view {
  bool up = false;
  uint64_t ups = 0, downs = 0, receipts = 0, progresses = 0;
  int signal = 0;
  std::optional<wire::job_receipt> receipt;
  std::optional<wire::job_progress> progress;
  std::optional<wire::job_result> result;
  std::vector<std::string> notes;
};

class session {
public:
  session(const session_settings& s, stop_signals& signals)
      : s_(s)
      , con_(s.progress_in_place)
      , signals_(signals) {}

  session_result run();

private:
  void subscribe();
  view wait_for_news(std::optional<steady::time_point> until);
  bool connect(session_result& out);
  std::optional<steady::time_point> next_deadline() const;
  void take_notices(view& v);
  /// Ends the run when a deadline passed; true if it did.
  bool check_deadlines(steady::time_point now, session_result& out);
  void submit(steady::time_point now, session_result& out);
  void finish(session_result& out, run_end end, steady::time_point now);

  const session_settings& s_;
  console con_;
  stop_signals& signals_;
  inbox in_;
  metrics::registry reg_;
  std::unique_ptr<mqtt::client> client_; ///< after in_: its handlers use it
  uint64_t seen_version_ = 0;
  view last_;
  int submits_ = 0;
  bool accepted_ = false;
  bool need_submit_ = true;
  bool fatal_ = false;
  std::optional<steady::time_point> first_submit_, receipt_deadline_, down_since_;
};

void session::subscribe() {
  auto topic = [&](const char* kind) { return s_.prefix + "/" + s_.job + "/" + kind; };
  auto* in = &in_;
  auto note = [in](std::string what) { in->post([&] { in->notes.push_back(std::move(what)); }); };
  client_->subscribe(topic("accepted"), 1, [in, note](mqtt::message&& m) {
    auto r = wire::decode_job_receipt(m.payload);
    if (!r)
      return note("undecodable receipt on " + m.topic + ": " + r.error().to_string());
    in->post([&] {
      in->receipt = std::move(*r);
      ++in->receipts;
    });
  });
  client_->subscribe(topic("progress"), 0, [in, note](mqtt::message&& m) {
    auto r = wire::decode_job_progress(m.payload);
    if (!r)
      return note("undecodable progress on " + m.topic + ": " + r.error().to_string());
    in->post([&] {
      in->progress = std::move(*r);
      ++in->progresses;
    });
  });
  wire::decode_limits lim; // a result may be far bigger than a submission
  lim.max_bytes = size_t{1} << 30;
  lim.max_array = std::max<size_t>(lim.max_array, s_.commands);
  client_->subscribe(topic("result"), 1, [in, note, lim](mqtt::message&& m) {
    auto r = wire::decode_job_result(m.payload, lim);
    if (!r)
      return note("undecodable result on " + m.topic + ": " + r.error().to_string());
    in->post([&] {
      if (in->result_seen) // a resubmission may bring it twice
        return;
      in->result = std::move(*r);
      in->result_seen = true;
    });
  });
  client_->on_state_change([in](mqtt::link_state st) {
    if (st != mqtt::link_state::up && st != mqtt::link_state::down)
      return;
    in->post([&] {
      bool up = st == mqtt::link_state::up;
      if (up && !in->up)
        ++in->ups;
      if (!up && in->up)
        ++in->downs;
      in->up = up;
    });
  });
}

view session::wait_for_news(std::optional<steady::time_point> until) {
  std::unique_lock<std::mutex> lk{in_.mtx};
  auto news = [&] { return in_.version != seen_version_; };
  if (until)
    in_.cv.wait_until(lk, *until, news);
  else
    in_.cv.wait(lk, news);
  seen_version_ = in_.version;
  view v;
  v.up = in_.up;
  v.ups = in_.ups;
  v.downs = in_.downs;
  v.receipts = in_.receipts;
  v.progresses = in_.progresses;
  v.signal = in_.signal;
  v.receipt = in_.receipt;
  v.progress = in_.progress;
  if (in_.result) {
    v.result = std::move(in_.result);
    in_.result.reset();
  }
  v.notes.swap(in_.notes);
  return v;
}

bool session::connect(session_result& out) {
  if (!client_->start()) {
    out.error = "cannot start an MQTT client for " + s_.mqtt.url;
    return false;
  }
  auto deadline = steady::now() + milliseconds{s_.connect_timeout_ms};
  while (!last_.up && last_.signal == 0 && steady::now() < deadline) {
    auto v = wait_for_news(deadline);
    last_.up = v.up;
    last_.ups = v.ups;
    last_.signal = v.signal;
  }
  if (last_.signal != 0 || last_.up)
    return true;
  out.error = "cannot connect to the broker at " + s_.mqtt.url + " within " +
              std::to_string(s_.connect_timeout_ms) + " ms";
  return false;
}

std::optional<steady::time_point> session::next_deadline() const {
  std::optional<steady::time_point> t;
  auto earliest = [&t](steady::time_point x) {
    if (!t || x < *t)
      t = x;
  };
  if (first_submit_ && s_.timeout_ms > 0)
    earliest(*first_submit_ + milliseconds{s_.timeout_ms});
  if (!accepted_ && !need_submit_ && receipt_deadline_)
    earliest(*receipt_deadline_);
  if (!accepted_ && down_since_)
    earliest(*down_since_ + milliseconds{s_.connect_timeout_ms});
  return t;
}

void session::take_notices(view& v) {
  for (auto& n : v.notes)
    if (s_.verbose)
      con_.note(n);
  if (v.receipts > last_.receipts && v.receipt) {
    bool first = !accepted_;
    if (s_.verbose || (first && s_.show_progress))
      con_.note("job " + s_.job + " accepted by " + v.receipt->node + ", standby " +
                (v.receipt->standby.empty() ? "none" : v.receipt->standby));
    accepted_ = true;
  }
  if (v.progresses > last_.progresses && v.progress) {
    accepted_ = true; // only a node that holds the job reports its progress
    if (s_.show_progress && v.progress->total > 0 && first_submit_) {
      auto secs = std::chrono::duration<double>(steady::now() - *first_submit_).count();
      char tail[64];
      std::snprintf(tail, sizeof tail, " done (%.0f%%), %.1f s",
                    100.0 * static_cast<double>(v.progress->done) /
                        static_cast<double>(v.progress->total),
                    secs);
      con_.progress("job " + s_.job + ": " + std::to_string(v.progress->done) + " of " +
                    std::to_string(v.progress->total) + tail);
    }
  }
  auto now = steady::now();
  if (v.downs > last_.downs && !v.up) {
    if (s_.notes)
      con_.note("lost the connection to the broker; reconnecting");
    down_since_ = now;
  }
  if (v.ups > last_.ups && v.up) {
    down_since_.reset();
    // A receipt or result published while we were away is lost (clean
    // session): ask for it again; resubmitting is idempotent.
    if (submits_ > 0) {
      if (s_.notes)
        con_.note("reconnected; submitting job " + s_.job + " again");
      need_submit_ = true;
    }
  }
  last_ = std::move(v);
}

bool session::check_deadlines(steady::time_point now, session_result& out) {
  if (first_submit_ && s_.timeout_ms > 0 && now >= *first_submit_ + milliseconds{s_.timeout_ms}) {
    con_.note("no result for job " + s_.job + " within " + std::to_string(s_.timeout_ms) +
              " ms (--timeout-ms)");
    finish(out, run_end::timed_out, now);
    return true;
  }
  if (!accepted_ && down_since_ && now >= *down_since_ + milliseconds{s_.connect_timeout_ms}) {
    out.connected = false;
    out.error = "lost the broker at " + s_.mqtt.url + " and could not reconnect within " +
                std::to_string(s_.connect_timeout_ms) + " ms, before the job was accepted";
    finish(out, run_end::no_receipt, now);
    return true;
  }
  if (!accepted_ && !need_submit_ && receipt_deadline_ && now >= *receipt_deadline_) {
    if (submits_ >= s_.max_submits) {
      con_.note("no receipt and no result for job " + s_.job + " after " +
                std::to_string(submits_) + " submissions " + std::to_string(s_.receipt_timeout_ms) +
                " ms apart; is a node running, with intake.topic-prefix = " + s_.prefix + "?");
      finish(out, run_end::no_receipt, now);
      return true;
    }
    if (s_.notes)
      con_.note("no receipt for job " + s_.job + " within " +
                std::to_string(s_.receipt_timeout_ms) + " ms; submitting again (" +
                std::to_string(submits_ + 1) + " of " + std::to_string(s_.max_submits) + ")");
    need_submit_ = true;
  }
  return false;
}

void session::submit(steady::time_point now, session_result& out) {
  auto rc = client_->publish(s_.prefix + "/submit", s_.payload, 1);
  if (rc == mqtt::publish_errc::ok) {
    ++submits_;
    need_submit_ = false;
    if (!first_submit_)
      first_submit_ = now;
    receipt_deadline_ = now + milliseconds{s_.receipt_timeout_ms};
    return;
  }
  if (rc == mqtt::publish_errc::disconnected)
    return; // submitted when the link is back
  con_.note("the broker client refused the submission: " + std::string{mqtt::to_string(rc)});
  fatal_ = true;
  finish(out, run_end::no_receipt, now);
}

void session::finish(session_result& out, run_end end, steady::time_point now) {
  con_.clear();
  auto& sum = out.summary;
  sum.end = end;
  sum.signal = last_.signal;
  sum.receipt = last_.receipt;
  sum.progress = last_.progress;
  sum.result = std::move(last_.result);
  sum.submits = submits_;
  sum.elapsed_ms =
      first_submit_ ? std::chrono::duration_cast<milliseconds>(now - *first_submit_).count() : 0;
}

session_result session::run() {
  session_result out;
  out.summary.job = s_.job;
  out.summary.commands = s_.commands;
  client_ = std::make_unique<mqtt::client>(s_.mqtt, reg_, "submit.mqtt.");
  subscribe(); // before the first connect: "up" means every SUBACK is in
  auto* in = &in_;
  signal_watch watch{signals_, [in](int sig) { in->post([&] { in->signal = sig; }); }};
  if (!connect(out)) {
    client_->stop();
    return out;
  }
  out.connected = true;
  for (;;) {
    auto now = steady::now();
    if (last_.signal != 0) {
      finish(out, run_end::interrupted, now);
      break;
    }
    if (last_.result) {
      finish(out, run_end::result, now);
      break;
    }
    if (check_deadlines(now, out))
      break;
    if (need_submit_ && last_.up) {
      submit(now, out);
      if (fatal_)
        break;
    }
    auto v = wait_for_news(next_deadline());
    take_notices(v);
  }
  client_->stop();
  return out;
}

} // namespace

session_result run_session(const session_settings& s, stop_signals& signals) {
  session sess{s, signals};
  return sess.run();
}

} // namespace shelfwire::submit
