#pragma once

// Fakes of the node's ports for actor tests: an MQTT publisher and a route
// source, each with fault hooks. Single-threaded like the deterministic
// scheduler they run under.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/mqtt/publisher.hpp"
#include "runtime/routing/route_source.hpp"

namespace shelfwire::testing {

/// Records what the node publishes. Fault hooks: `fail_with` makes every
/// publish fail with that error until cleared (`ok`).
class fake_publisher final : public mqtt::publisher {
public:
  struct published {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
  };

  mqtt::publish_errc publish(std::string_view topic, std::string_view payload, int qos,
                             bool retain) override {
    if (fault != mqtt::publish_errc::ok) {
      ++refused;
      return fault;
    }
    sent.push_back({std::string{topic}, std::string{payload}, qos, retain});
    return mqtt::publish_errc::ok;
  }

  /// Messages published on topics that end with `suffix` ("/action").
  size_t count(std::string_view suffix) const {
    size_t n = 0;
    for (auto& m : sent)
      if (m.topic.size() >= suffix.size() &&
          m.topic.compare(m.topic.size() - suffix.size(), suffix.size(), suffix) == 0)
        ++n;
    return n;
  }

  std::vector<published> sent;
  mqtt::publish_errc fault = mqtt::publish_errc::ok;
  size_t refused = 0;
};

/// The routing table of a test: which gateways hear which ESL. Shared by
/// the route sources of one node's routers. Fault hook: `down`.
struct route_book {
  std::map<esl_mac, routing::route> routes;
  bool down = false;
  size_t lookups = 0;   ///< lookup calls (each may cover many ESLs)
  bool warming = false; ///< the table is being rebuilt (Redis lost it)

  /// `esl` is heard by `gw` at `rssi`.
  void add(esl_mac esl, gw_mac gw, int32_t rssi = -60) {
    auto& r = routes[esl];
    r.esl = esl;
    r.candidates.push_back({gw, rssi, 0});
  }
};

class fake_route_source final : public routing::route_source {
public:
  explicit fake_route_source(std::shared_ptr<route_book> book)
      : book_(std::move(book)) {}

  redis::errc lookup(const std::vector<esl_mac>& esls, std::vector<routing::route>& out) override {
    ++book_->lookups;
    out.clear();
    if (book_->down)
      return redis::errc::disconnected;
    for (auto esl : esls) {
      auto i = book_->routes.find(esl);
      out.push_back(i != book_->routes.end() ? i->second : routing::route{esl, {}});
    }
    return redis::errc::ok;
  }

  bool connected() const override { return !book_->down; }

  bool warming() const override { return book_->warming; }

private:
  std::shared_ptr<route_book> book_;
};

} // namespace shelfwire::testing
