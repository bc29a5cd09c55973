#include "sim/runner/task_driver.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include "runtime/core/clock.hpp"

namespace shelfwire::sim {

task_driver::task_driver(job_client& producer, outcome_collector& col, int64_t task_timeout_ms,
                         const run_control& ctl, int64_t resubmit_after_ms)
    : producer_(producer)
    , col_(col)
    , timeout_us_(task_timeout_ms * 1000)
    , resubmit_us_(resubmit_after_ms * 1000)
    , ctl_(ctl) {
  producer_.on_result([this](wire::job_result&& r) { on_result(std::move(r)); });
}

void task_driver::set_next(std::function<std::optional<wire::job_submission>()> next) {
  next_ = std::move(next);
}

void task_driver::submit(wire::job_submission job) {
  col_.submitted(job.commands.size());
  {
    std::lock_guard<std::mutex> g{mtx_};
    auto now = steady_now_us();
    pending_task t{now, now, std::nullopt};
    if (resubmit_us_ > 0)
      t.job = job;
    pending_.emplace(job.job, std::move(t));
    ++submitted_;
  }
  if (!producer_.submit(job)) {
    std::lock_guard<std::mutex> g{mtx_};
    unsent_.push_back(std::move(job));
  }
}

void task_driver::run_until(int64_t total) {
  std::unique_lock<std::mutex> lk{mtx_};
  while (ended_ < (ctl_.stop ? submitted_ : total)) {
    cv_.wait_for(lk, std::chrono::milliseconds{50});
    while (!unsent_.empty()) {
      auto job = std::move(unsent_.front());
      unsent_.pop_front();
      if (pending_.count(job.job) == 0)
        continue; // timed out meanwhile
      lk.unlock();
      bool sent = producer_.submit(job);
      lk.lock();
      if (!sent) {
        unsent_.push_front(std::move(job)); // broker link down: next round
        break;
      }
    }
    auto now = steady_now_us();
    if (resubmit_us_ > 0)
      resubmit_silent(lk, now);
    std::vector<std::string> expired;
    for (auto& [job, t] : pending_)
      if (now - t.submitted_us > timeout_us_ || ctl_.abort)
        expired.push_back(job);
    for (auto& job : expired) {
      pending_.erase(job);
      ++ended_;
      lk.unlock();
      col_.result(std::nullopt, 0);
      submit_next();
      lk.lock();
    }
  }
}

void task_driver::on_result(wire::job_result&& r) {
  int64_t t0 = 0;
  bool last = false;
  {
    std::lock_guard<std::mutex> g{mtx_};
    auto i = pending_.find(r.job);
    if (i == pending_.end())
      return; // not ours, or given up on
    t0 = i->second.submitted_us;
    pending_.erase(i);
    ++ended_;
    last = pending_.empty();
  }
  col_.result(std::optional<wire::job_result>{std::move(r)}, t0);
  submit_next();
  if (last)
    cv_.notify_one(); // perhaps the end: let run_until look
}

void task_driver::resubmit_silent(std::unique_lock<std::mutex>& lk, int64_t now) {
  std::vector<wire::job_submission> again;
  for (auto& [id, t] : pending_)
    if (t.job && now - t.sent_us > resubmit_us_ && producer_.receipts(id) == 0) {
      t.sent_us = now;
      again.push_back(*t.job);
    }
  if (again.empty())
    return;
  lk.unlock();
  for (auto& job : again)
    if (producer_.submit(job))
      resubmitted_.fetch_add(1, std::memory_order_relaxed);
  lk.lock();
}

uint64_t task_driver::resubmitted() const {
  return resubmitted_.load(std::memory_order_relaxed);
}

void task_driver::submit_next() {
  if (!next_ || ctl_.stop)
    return;
  if (auto job = next_())
    submit(std::move(*job));
}

} // namespace shelfwire::sim
