#include "sim/producer/job_client.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

#include "runtime/mqtt/client.hpp"
#include "runtime/wire/job_notices.hpp"

namespace shelfwire::sim {

struct job_client::impl {
  std::string prefix;
  std::unique_ptr<mqtt::client> client;
  mutable std::mutex mtx;
  std::condition_variable cv; ///< rejections and wait_any_result
  /// One waiter per job being waited for: a result wakes only its waiter
  /// (50 closed-loop workers woken per result cost more CPU than the node).
  std::unordered_map<std::string, std::condition_variable*> waiters;
  std::unordered_map<std::string, wire::job_result> results;
  std::set<std::string> seen;
  std::unordered_map<std::string, uint64_t> result_counts;
  std::unordered_map<std::string, std::vector<wire::job_receipt>> receipts;
  std::unordered_map<std::string, uint64_t> dead_letters;
  std::deque<wire::job_rejection> rejections;
  std::function<void(wire::job_result&&)> on_result; ///< set before start: no lock
  uint64_t received = 0;
  uint64_t duplicates = 0;
  uint64_t undecodable = 0;
};

job_client::job_client(mqtt::client_options mqtt, std::string topic_prefix, metrics::registry& reg,
                       bool notices)
    : impl_(std::make_unique<impl>()) {
  impl_->prefix = std::move(topic_prefix);
  impl_->client = std::make_unique<mqtt::client>(std::move(mqtt), reg, "producer.mqtt.");
  auto* d = impl_.get();
  d->client->subscribe(d->prefix + "/+/result", 1, [d](mqtt::message&& m) {
    auto r = wire::decode_job_result(m.payload);
    std::unique_lock<std::mutex> g{d->mtx};
    if (!r) {
      ++d->undecodable;
      return;
    }
    ++d->received;
    ++d->result_counts[r->job];
    d->cv.notify_all();
    if (!d->seen.insert(r->job).second) {
      ++d->duplicates;
      return;
    }
    if (d->on_result) {
      g.unlock();
      d->on_result(std::move(*r));
      return;
    }
    auto w = d->waiters.find(r->job);
    if (w != d->waiters.end())
      w->second->notify_one();
    else
      d->cv.notify_all();
    d->results.emplace(r->job, std::move(*r));
  });
  if (notices) {
    d->client->subscribe(d->prefix + "/+/accepted", 1, [d](mqtt::message&& m) {
      auto r = wire::decode_job_receipt(m.payload);
      std::lock_guard<std::mutex> g{d->mtx};
      if (!r) {
        ++d->undecodable;
        return;
      }
      d->receipts[r->job].push_back(std::move(*r));
      d->cv.notify_all();
    });
    d->client->subscribe(d->prefix + "/dead-letters", 1, [d](mqtt::message&& m) {
      auto r = wire::decode_dead_letter(m.payload);
      std::lock_guard<std::mutex> g{d->mtx};
      if (!r) {
        ++d->undecodable;
        return;
      }
      ++d->dead_letters[r->job];
    });
  }
  d->client->subscribe(d->prefix + "/rejected", 1, [d](mqtt::message&& m) {
    auto r = wire::decode_job_rejection(m.payload);
    std::lock_guard<std::mutex> g{d->mtx};
    if (!r) {
      ++d->undecodable;
      return;
    }
    d->rejections.push_back(std::move(*r));
    d->cv.notify_all();
  });
}

job_client::~job_client() {
  stop();
}

void job_client::on_result(std::function<void(wire::job_result&&)> fn) {
  impl_->on_result = std::move(fn);
}

bool job_client::start() {
  return impl_->client->start();
}

bool job_client::wait_ready(std::chrono::milliseconds timeout) {
  return impl_->client->wait_ready(timeout);
}

void job_client::stop() {
  impl_->client->stop();
}

bool job_client::submit(const wire::job_submission& job) {
  std::string payload;
  wire::encode(job, payload);
  return submit_raw(payload);
}

bool job_client::submit_raw(const std::string& payload) {
  return impl_->client->publish(impl_->prefix + "/submit", payload, 1) == mqtt::publish_errc::ok;
}

bool job_client::publish(const std::string& topic, const std::string& payload, int qos) {
  return impl_->client->publish(topic, payload, qos) == mqtt::publish_errc::ok;
}

std::optional<wire::job_result> job_client::wait_any_result(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  std::unique_lock<std::mutex> lk{d.mtx};
  if (!d.cv.wait_for(lk, timeout, [&] { return !d.results.empty(); }))
    return std::nullopt;
  auto i = d.results.begin();
  auto r = std::move(i->second);
  d.results.erase(i);
  return r;
}

std::optional<wire::job_result> job_client::wait_result(const std::string& job,
                                                        std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  std::condition_variable mine;
  std::unique_lock<std::mutex> lk{d.mtx};
  d.waiters[job] = &mine;
  bool got = mine.wait_for(lk, timeout, [&] { return d.results.count(job) > 0; });
  d.waiters.erase(job);
  if (!got)
    return std::nullopt;
  auto i = d.results.find(job);
  auto r = std::move(i->second);
  d.results.erase(i);
  return r;
}

std::optional<wire::job_rejection> job_client::wait_rejection(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  std::unique_lock<std::mutex> lk{d.mtx};
  if (!d.cv.wait_for(lk, timeout, [&] { return !d.rejections.empty(); }))
    return std::nullopt;
  auto r = std::move(d.rejections.front());
  d.rejections.pop_front();
  return r;
}

std::optional<wire::job_receipt>
job_client::wait_receipt(const std::string& job, std::chrono::milliseconds timeout, size_t count) {
  auto& d = *impl_;
  std::unique_lock<std::mutex> lk{d.mtx};
  if (!d.cv.wait_for(lk, timeout, [&] {
        auto i = d.receipts.find(job);
        return i != d.receipts.end() && i->second.size() >= count;
      }))
    return std::nullopt;
  return d.receipts[job].back();
}

size_t job_client::receipts(const std::string& job) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->receipts.find(job);
  return i == impl_->receipts.end() ? 0 : i->second.size();
}

bool job_client::wait_results_of(const std::string& job, uint64_t count,
                                 std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  std::unique_lock<std::mutex> lk{d.mtx};
  return d.cv.wait_for(lk, timeout, [&] {
    auto i = d.result_counts.find(job);
    return i != d.result_counts.end() && i->second >= count;
  });
}

uint64_t job_client::dead_letters(const std::string& job) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->dead_letters.find(job);
  return i == impl_->dead_letters.end() ? 0 : i->second;
}

uint64_t job_client::results_received() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return impl_->received;
}

uint64_t job_client::duplicate_results() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return impl_->duplicates;
}

uint64_t job_client::undecodable_results() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return impl_->undecodable;
}

wire::job_submission make_job(std::string id, const std::vector<esl_mac>& esls, size_t n,
                              wire::op_kind op) {
  wire::job_submission j;
  j.job = std::move(id);
  for (size_t i = 0; i < n; ++i) {
    wire::job_command c;
    c.esl = esls[i % esls.size()];
    c.op = op;
    c.args.emplace_back("price", std::to_string(100 + i));
    j.commands.push_back(std::move(c));
  }
  return j;
}

} // namespace shelfwire::sim
