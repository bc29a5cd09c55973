#include "actors/node/presence.hpp"

#include <algorithm>
#include <utility>

#include <caf/send.hpp>

#include "actors/messages/presence_view.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire {

std::unique_ptr<node_presence> node_presence::start(const node_context& ctx, mqtt::client_options o,
                                                    std::string endpoint, caf::actor listener) {
  auto& prefix = ctx.opts.presence_topic;
  if (prefix.empty())
    return nullptr;
  std::unique_ptr<node_presence> p{new node_presence};
  p->topic_ = cluster::presence_topic(prefix, ctx.id.name);
  p->id_ = {ctx.id.name, ctx.id.incarnation, std::move(endpoint), wall_now_ms()};
  o.will = {p->topic_, cluster::encode_presence(cluster::lost_presence(p->id_)), 1, true};
  o.birth = [topic = p->topic_, id = p->id_] {
    return mqtt::announcement{
        topic, cluster::encode_presence(cluster::online_presence(id, wall_now_ms())), 1, true};
  };
  p->client_ = std::make_unique<mqtt::client>(std::move(o), *ctx.registry, "mqtt.presence.");
  p->client_->subscribe(prefix + "/+", 1, [listener = std::move(listener)](mqtt::message&& m) {
    caf::anon_send(listener, presence_atom_v, std::move(m.topic), std::move(m.payload), m.retained);
  });
  if (!p->client_->start())
    log::get("node")->error("presence: cannot start the MQTT connection: no presence on {}",
                            p->topic_);
  else
    log::get("node")->info("presence on {}: online once connected (retained), last will "
                           "offline (lost)",
                           p->topic_);
  return p;
}

node_presence::~node_presence() {
  stop();
}

bool node_presence::wait_ready(std::chrono::milliseconds timeout) {
  return client_->wait_ready(timeout);
}

void node_presence::announce_stopped(std::chrono::milliseconds timeout) {
  auto payload = cluster::encode_presence(cluster::stopped_presence(id_, wall_now_ms()));
  auto rc = client_->publish(topic_, payload, 1, true);
  if (rc != mqtt::publish_errc::ok)
    log::get("node")->warn("presence: offline (stopped) not published on {}: {}", topic_,
                           mqtt::to_string(rc));
  else if (!client_->wait_sent(timeout))
    log::get("node")->warn("presence: offline (stopped) on {} not acknowledged in {} ms", topic_,
                           timeout.count());
}

void node_presence::stop() {
  if (client_)
    client_->stop();
}

void say_goodbye(const node_context& ctx, mqtt::client& egress, node_presence* presence,
                 std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()),
                    std::chrono::milliseconds{0});
  };
  bool cleared = false;
  if (!ctx.opts.metrics_topic.empty()) {
    auto topic = ctx.opts.metrics_topic + "/" + ctx.id.name;
    cleared = egress.publish(topic, {}, 1, true) == mqtt::publish_errc::ok;
    if (!cleared)
      log::get("node")->warn("metrics snapshot on {} not cleared (broker unreachable?)", topic);
  }
  if (presence != nullptr)
    presence->announce_stopped(left());
  if (cleared && !egress.wait_sent(left()))
    log::get("node")->warn("clearing the metrics snapshot not acknowledged in time");
}

} // namespace shelfwire
