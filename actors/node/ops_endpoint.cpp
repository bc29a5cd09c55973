#include "actors/node/ops_endpoint.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

#include <caf/all.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "actors/node/readiness.hpp"
#include "runtime/cluster/ownership.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/http/server.hpp"
#include "runtime/log/log.hpp"
#include "runtime/metrics/prometheus/exposition.hpp"
#include "runtime/mqtt/client.hpp"
#include "runtime/redis/connection.hpp"

namespace shelfwire {

namespace {

/// How long a scrape waits for the inspector's node view (actors, mailboxes).
constexpr auto view_timeout = std::chrono::seconds{2};

metrics::sample make(std::string_view pattern, metrics::label_list labels, double v) {
  return {metrics::find_def(pattern), std::move(labels), v};
}

void gateway_samples(const node_context& ctx, std::vector<metrics::sample>& out) {
  if (!ctx.gateways)
    return;
  for (auto& g : ctx.gateways->stats()) {
    metrics::label_list gw = {{"gw", g.gw.to_string()}};
    out.push_back(make("gw.{gw}.window", gw, g.window));
    out.push_back(make("gw.{gw}.in_flight", gw, g.in_flight));
    out.push_back(make("gw.{gw}.waiting", gw, g.waiting));
    for (auto st :
         {flow::breaker_state::up, flow::breaker_state::down, flow::breaker_state::probing}) {
      auto labels = gw;
      labels.emplace_back("state", std::string{flow::to_string(st)});
      out.push_back(make("gw.{gw}.breaker", std::move(labels), g.breaker == st ? 1 : 0));
    }
    out.push_back(make("gw.{gw}.sent", gw, static_cast<double>(g.sent)));
    out.push_back(make("gw.{gw}.acks", gw, static_cast<double>(g.acks)));
    out.push_back(make("gw.{gw}.nacks", gw, static_cast<double>(g.nacks)));
    out.push_back(make("gw.{gw}.busy", gw, static_cast<double>(g.busy)));
    out.push_back(make("gw.{gw}.silent", gw, static_cast<double>(g.silent)));
    out.push_back(make("gw.{gw}.breaker_trips", gw, static_cast<double>(g.breaker_trips)));
  }
}

void view_samples(const node_report& r, std::vector<metrics::sample>& out) {
  out.push_back(make("actors.running", {}, static_cast<double>(r.running_actors)));
  for (auto& a : r.actors)
    out.push_back(make("actors.{kind}", {{"kind", a.name}}, static_cast<double>(a.value)));
  for (auto& s : r.command_states)
    out.push_back(
        make("commands.state.{state}", {{"state", s.name}}, static_cast<double>(s.value)));
  for (auto& rt : r.routers)
    out.push_back(make("router.{router}.mailbox", {{"router", std::to_string(rt.index)}},
                       static_cast<double>(rt.mailbox)));
}

} // namespace

struct ops_endpoint::impl {
  node_context_ptr ctx;
  caf::actor_system& sys;
  caf::actor inspector;
  std::vector<std::pair<std::string, std::shared_ptr<mqtt::client>>> clients;
  http::server server;
  std::atomic<bool> is_stopping{false};
  int64_t started_ms = wall_now_ms();
  bool has_seeds = false;
  std::mutex redis_mtx; ///< the probe connection is used by one thread at a time
  std::unique_ptr<redis::connection> redis_probe;

  impl(node_context_ptr c, caf::actor_system& s, caf::actor insp)
      : ctx(std::move(c))
      , sys(s)
      , inspector(std::move(insp)) {
    auto seeds = cluster::parse_endpoints(ctx->opts.cluster.seeds);
    has_seeds = seeds && !seeds->empty();
  }

  /// The inspector's node view, as shelfwire-inspect gets it.
  std::optional<node_report> node_view() {
    auto& io = ctx->opts.inspect;
    auto token = !io.read_token.empty() ? io.read_token : io.token;
    std::optional<node_report> out;
    caf::scoped_actor self{sys};
    self->request(inspector, view_timeout, inspect_atom_v, node_atom_v, token)
        .receive([&](node_report& r) { out = std::move(r); }, [&](caf::error&) {});
    return out;
  }

  std::pair<bool, std::string> ping_redis() {
    std::lock_guard<std::mutex> guard{redis_mtx};
    if (!redis_probe)
      redis_probe =
          std::make_unique<redis::connection>(ctx->opts.redis, *ctx->registry, "redis.probe");
    redis::reply rep;
    auto e = redis_probe->call({"PING"}, rep);
    if (e != redis::errc::ok)
      return {false, std::string{redis::to_string(e)}};
    if (rep.is_error())
      return {false, "error reply: " + rep.str};
    return {true, {}};
  }

  readiness evaluate() {
    readiness_input in;
    in.node = ctx->id.name;
    in.stopping = is_stopping.load();
    for (auto& [role, c] : clients)
      in.mqtt.push_back({role, c->wait_ready(std::chrono::milliseconds{0})});
    auto [ok, why] = ping_redis();
    in.redis_ok = ok;
    in.redis_error = why;
    auto view = ctx->cluster.get();
    in.cluster_listening = view->self() != nullptr;
    in.has_seeds = has_seeds;
    in.cluster_joins = ctx->metrics->cluster_joins.value();
    in.cluster_members = static_cast<int64_t>(view->members.size());
    return evaluate_readiness(in);
  }

  std::string metrics_text() {
    std::vector<metrics::sample> extra;
    char inc[17];
    std::snprintf(inc, sizeof inc, "%016llx", static_cast<unsigned long long>(ctx->id.incarnation));
    extra.push_back(make("node.info", {{"node", ctx->id.name}, {"incarnation", inc}}, 1));
    extra.push_back(make("node.ready", {}, evaluate().ready ? 1 : 0));
    extra.push_back(make("node.up_since_seconds", {}, static_cast<double>(started_ms) / 1000.0));
    extra.push_back(make("http.unauthorized", {}, static_cast<double>(server.unauthorized())));
    gateway_samples(*ctx, extra);
    if (auto r = node_view())
      view_samples(*r, extra);
    return metrics::prometheus_text(*ctx->registry, extra);
  }
};

ops_endpoint::ops_endpoint(node_context_ptr ctx, caf::actor_system& sys, caf::actor inspector)
    : impl_(std::make_unique<impl>(std::move(ctx), sys, std::move(inspector))) {}

ops_endpoint::~ops_endpoint() {
  stop();
}

void ops_endpoint::watch(std::string role, std::shared_ptr<mqtt::client> c) {
  impl_->clients.emplace_back(std::move(role), std::move(c));
}

std::string ops_endpoint::start() {
  auto& d = *impl_;
  auto& opts = d.ctx->opts;
  if (opts.metrics_listen.empty())
    return {};
  std::map<std::string, http::handler> routes;
  routes["/metrics"] = [&d] {
    return http::response{200, "text/plain; version=0.0.4; charset=utf-8", d.metrics_text()};
  };
  routes["/healthz"] = [&d] {
    return http::response{200, "application/json",
                          "{\"alive\":true,\"node\":\"" + d.ctx->id.name + "\"}\n"};
  };
  routes["/readyz"] = [&d] {
    auto r = d.evaluate();
    return http::response{r.ready ? 200 : 503, "application/json", r.json};
  };
  auto err = d.server.start({opts.metrics_listen, opts.metrics_token, 2}, std::move(routes));
  if (!err.empty())
    return "metrics.listen: " + err;
  log::get("node")->info("HTTP endpoint on {} (port {}): /metrics /healthz /readyz{}",
                         opts.metrics_listen, d.server.port(),
                         opts.metrics_token.empty() ? "" : " (bearer token required)");
  return {};
}

uint16_t ops_endpoint::port() const {
  return impl_->server.port();
}

void ops_endpoint::stopping() {
  impl_->is_stopping = true;
}

void ops_endpoint::stop() {
  impl_->server.stop();
}

} // namespace shelfwire
