#include "sim/runner/metrics_watch.hpp"

#include <cstdlib>
#include <mutex>

#include "runtime/mqtt/client.hpp"

namespace shelfwire::sim {

bool json_number(std::string_view json, std::string_view name, double& out) {
  std::string key;
  key.reserve(name.size() + 3);
  key += '"';
  key += name;
  key += "\":";
  auto pos = json.find(key);
  if (pos == std::string_view::npos)
    return false;
  pos += key.size();
  std::string num;
  while (pos < json.size() &&
         (std::isdigit(static_cast<unsigned char>(json[pos])) || json[pos] == '-' ||
          json[pos] == '.' || json[pos] == 'e' || json[pos] == 'E' || json[pos] == '+'))
    num += json[pos++];
  if (num.empty())
    return false;
  out = std::strtod(num.c_str(), nullptr);
  return true;
}

struct metrics_watch::impl {
  std::string topic;
  std::unique_ptr<mqtt::client> client;
  mutable std::mutex mtx;
  std::map<std::string, std::string> latest; // node -> snapshot
};

metrics_watch::metrics_watch(mqtt::client_options opts, std::string topic, metrics::registry& reg)
    : impl_(std::make_unique<impl>()) {
  impl_->topic = std::move(topic);
  impl_->client = std::make_unique<mqtt::client>(std::move(opts), reg, "sim.metrics_watch.");
  auto* d = impl_.get();
  d->client->subscribe(d->topic + "/+", 0, [d](mqtt::message&& m) {
    if (m.payload.empty())
      return; // a node that stopped cleanly cleared its snapshot: keep the last one seen
    auto node = m.topic.substr(d->topic.size() + 1);
    std::lock_guard<std::mutex> g{d->mtx};
    d->latest[node] = std::move(m.payload);
  });
}

metrics_watch::~metrics_watch() {
  impl_->client->stop();
}

bool metrics_watch::start() {
  return impl_->client->start();
}

bool metrics_watch::wait_ready(std::chrono::milliseconds timeout) {
  return impl_->client->wait_ready(timeout);
}

size_t metrics_watch::nodes() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return impl_->latest.size();
}

int64_t metrics_watch::value(const std::string& node, std::string_view name) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->latest.find(node);
  double v = 0;
  if (i == impl_->latest.end() || !json_number(i->second, name, v))
    return 0;
  return static_cast<int64_t>(v);
}

int64_t metrics_watch::sum(std::string_view name) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  int64_t total = 0;
  for (auto& [node, snap] : impl_->latest) {
    double v = 0;
    if (json_number(snap, name, v))
      total += static_cast<int64_t>(v);
  }
  return total;
}

std::string metrics_watch::snapshot(const std::string& node) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto i = impl_->latest.find(node);
  return i == impl_->latest.end() ? std::string{} : i->second;
}

} // namespace shelfwire::sim
