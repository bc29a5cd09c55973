#include "sim/runner/presence_watch.hpp"

#include <mutex>
#include <utility>

#include "runtime/core/clock.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire::sim {

struct presence_watch::impl {
  std::string topic;
  std::unique_ptr<mqtt::client> client;
  mutable std::mutex mtx;
  cluster::presence_book book;
};

presence_watch::presence_watch(mqtt::client_options opts, std::string topic, metrics::registry& reg)
    : impl_(std::make_unique<impl>()) {
  impl_->topic = std::move(topic);
  impl_->client = std::make_unique<mqtt::client>(std::move(opts), reg, "sim.presence_watch.");
  auto* d = impl_.get();
  d->client->subscribe(d->topic + "/+", 1, [d](mqtt::message&& m) {
    auto node = cluster::node_of_presence_topic(d->topic, m.topic);
    if (node.empty())
      return;
    std::lock_guard<std::mutex> g{d->mtx};
    d->book.apply(node, m.payload, m.retained, wall_now_ms());
  });
}

presence_watch::~presence_watch() {
  impl_->client->stop();
}

bool presence_watch::start() {
  return impl_->client->start();
}

bool presence_watch::wait_ready(std::chrono::milliseconds timeout) {
  return impl_->client->wait_ready(timeout);
}

std::optional<presence_watch::entry> presence_watch::get(const std::string& node) const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  auto* e = impl_->book.find(node);
  return e ? std::optional<entry>{*e} : std::nullopt;
}

std::map<std::string, presence_watch::entry> presence_watch::all() const {
  std::lock_guard<std::mutex> g{impl_->mtx};
  return {impl_->book.entries().begin(), impl_->book.entries().end()};
}

bool presence_watch::is(const std::string& node, cluster::presence_state state,
                        const std::string& reason, uint64_t incarnation) const {
  auto e = get(node);
  return e && e->p.state == state && (reason.empty() || e->p.reason == reason) &&
         (incarnation == 0 || e->p.incarnation == incarnation);
}

} // namespace shelfwire::sim
