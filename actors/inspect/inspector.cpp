#include "actors/inspect/inspector.hpp"

#include <algorithm>
#include <memory>

#include <caf/all.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "actors/inspect/access.hpp"
#include "actors/router/router.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/core/constant_time.hpp"
#include "runtime/core/loopback.hpp"
#include "runtime/core/text.hpp"
#include "runtime/log/log.hpp"
#include "runtime/log/throttle.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<inspector_state>*;

constexpr auto ask_timeout = std::chrono::seconds{3};

/// Views ask with high priority: the answer jumps the queue of work in a
/// busy router's or shard's mailbox instead of waiting behind it.
constexpr auto urgent = caf::message_priority::high;

int64_t mqtt_messages(const metrics::registry& reg) {
  int64_t n = 0;
  reg.for_each_value([&](const std::string& k, int64_t v) {
    if (starts_with(k, "mqtt.") && (ends_with(k, ".published") || ends_with(k, ".received")))
      n += v;
  });
  return n;
}

/// Links, outcomes, latencies and counters straight from the registry.
void fill_from_registry(const node_context& ctx, node_report& r) {
  std::vector<link_row> links;
  auto link_of = [&](const std::string& name) -> link_row& {
    for (auto& l : links)
      if (l.name == name)
        return l;
    links.push_back(link_row{name, false, {}});
    return links.back();
  };
  ctx.registry->for_each_value([&](const std::string& k, int64_t v) {
    r.counters.push_back({k, v});
    if (starts_with(k, "outcomes."))
      r.outcomes.push_back({k.substr(9), v});
    if (starts_with(k, "mqtt.") || starts_with(k, "redis.")) {
      auto dot = k.find('.', k.find('.') + 1);
      if (dot == std::string::npos)
        return;
      auto& l = link_of(k.substr(0, dot));
      auto what = k.substr(dot + 1);
      if (what == "up")
        l.up = v > 0;
      else
        l.counters.push_back({what, v});
    }
  });
  std::sort(links.begin(), links.end(),
            [](const link_row& a, const link_row& b) { return a.name < b.name; });
  r.links = std::move(links);
  ctx.registry->for_each_histogram([&](const std::string& k, const metrics::histogram_snapshot& s) {
    latency_row l;
    l.name = k;
    l.count = static_cast<int64_t>(s.count);
    l.mean_us = static_cast<int64_t>(s.mean());
    l.p50_us = static_cast<int64_t>(s.percentile(0.50));
    l.p90_us = static_cast<int64_t>(s.percentile(0.90));
    l.p99_us = static_cast<int64_t>(s.percentile(0.99));
    l.max_us = static_cast<int64_t>(s.max);
    r.latencies.push_back(std::move(l));
  });
}

/// Collects one answer per asked actor, then calls `done` once.
template <class T>
struct gather {
  std::vector<T> items;
  size_t left = 0;
  std::function<void(std::vector<T>&)> done;
  void one(T x) {
    items.push_back(std::move(x));
    finish_one();
  }
  void finish_one() {
    if (--left == 0)
      done(items);
  }
};

void node_view(self_ptr self, caf::typed_response_promise<node_report> rp) {
  auto& st = self->state;
  auto& ctx = *st.ctx;
  auto r = std::make_shared<node_report>();
  r->name = ctx.id.name;
  r->incarnation = ctx.id.incarnation;
  r->endpoint = ctx.cluster.get()->self_endpoint();
  r->up_since_ms = st.up_since_ms;
  r->running_actors = static_cast<int64_t>(self->system().registry().running());
  r->mqtt_messages_per_s = st.mqtt_messages_per_s;
  fill_from_registry(ctx, *r);
  // Two parts answer asynchronously: the shards (commands by phase) and the
  // routers (each one's mailbox).
  auto parts = std::make_shared<int>(2);
  auto part_done = [=]() mutable {
    if (--*parts > 0)
      return;
    // Routers taken out of the pool leave their metrics behind: show the
    // Redis links of the routers in the pool only.
    auto live = [&](const link_row& l) {
      if (l.name.rfind("redis.router", 0) != 0)
        return true;
      auto idx = l.name.substr(12);
      return std::any_of(r->routers.begin(), r->routers.end(),
                         [&](const router_row& x) { return std::to_string(x.index) == idx; });
    };
    r->links.erase(std::remove_if(r->links.begin(), r->links.end(),
                                  [&](const link_row& l) { return !live(l); }),
                   r->links.end());
    auto& m = *self->state.ctx->metrics;
    r->actors.push_back({"command actors", m.commands_in_flight.value()});
    r->actors.push_back({"routers", static_cast<int64_t>(r->routers.size())});
    r->actors.push_back({"job coordinators", m.jobs_in_flight.value()});
    r->actors.push_back({"job standbys", m.jobs_standby.value()});
    for (auto& a : self->state.fixed_actors)
      r->actors.push_back(a);
    rp.deliver(std::move(*r));
  };
  auto shards = std::make_shared<gather<std::vector<named_value>>>();
  shards->left = ctx.shards.size();
  shards->done = [=](std::vector<std::vector<named_value>>& all) mutable {
    for (auto& counts : all)
      for (auto& c : counts) {
        auto i = std::find_if(r->command_states.begin(), r->command_states.end(),
                              [&](const named_value& x) { return x.name == c.name; });
        if (i == r->command_states.end())
          r->command_states.push_back(c);
        else
          i->value += c.value;
      }
    part_done();
  };
  for (auto& shard : ctx.shards)
    self->request<urgent>(shard, ask_timeout, inspect_atom_v)
        .then([=](std::vector<named_value>& counts) { shards->one(std::move(counts)); },
              [=](caf::error&) { shards->finish_one(); });
  self->request(caf::actor_cast<caf::actor>(ctx.routers), ask_timeout, caf::sys_atom_v,
                caf::get_atom_v)
      .then(
          [=](std::vector<caf::actor>& workers) mutable {
            if (workers.empty()) {
              part_done();
              return;
            }
            auto rows = std::make_shared<gather<router_row>>();
            rows->left = workers.size();
            rows->done = [=](std::vector<router_row>& all) mutable {
              std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.index < b.index; });
              r->routers = std::move(all);
              part_done();
            };
            for (auto& w : workers)
              self->request<urgent>(caf::actor_cast<router_handle>(w), ask_timeout, inspect_atom_v)
                  .then([=](router_row& row) { rows->one(std::move(row)); },
                        [=](caf::error&) {
                          router_row row;
                          row.mailbox = -1; // did not answer in time
                          rows->one(row);
                        });
          },
          [=](caf::error&) mutable { part_done(); });
}

void commands_view(self_ptr self, const command_query& q,
                   caf::typed_response_promise<command_list> rp) {
  auto& ctx = *self->state.ctx;
  auto g = std::make_shared<gather<command_list>>();
  g->left = ctx.shards.size();
  g->done = [=](std::vector<command_list>& all) mutable {
    command_list out;
    for (auto& l : all) {
      out.matching += l.matching;
      for (auto& row : l.rows)
        out.rows.push_back(std::move(row));
    }
    std::sort(out.rows.begin(), out.rows.end(),
              [](auto& a, auto& b) { return a.age_ms > b.age_ms; });
    if (out.rows.size() > q.limit)
      out.rows.resize(q.limit);
    rp.deliver(std::move(out));
  };
  for (auto& shard : ctx.shards)
    self->request<urgent>(shard, ask_timeout, inspect_atom_v, q)
        .then([=](command_list& l) { g->one(std::move(l)); },
              [=](caf::error&) { g->finish_one(); });
}

} // namespace

gateway_report gateways_view(const node_context& ctx) {
  gateway_report r;
  r.node = ctx.id.name;
  r.endpoint = ctx.cluster.get()->self_endpoint();
  if (!ctx.gateways)
    return r;
  auto& o = ctx.gateways->options();
  r.flow_control = o.enabled;
  r.window_min = o.window_min;
  r.window_initial = o.window_initial;
  r.window_max = o.window_max;
  r.breaker_silent_attempts = o.breaker_silent_attempts;
  r.breaker_cool_down_ms = o.breaker_cool_down_ms;
  r.balance_margin_db = o.balance_margin_db;
  auto t = ctx.gateways->totals();
  r.balanced = t.balanced;
  r.avoided_down = t.avoided_down;
  r.waited = t.waited;
  r.rerouted = t.rerouted;
  r.trips = t.breaker_trips;
  r.recoveries = t.breaker_recoveries;
  r.busy = t.busy;
  r.silent = t.silent;
  for (auto& s : ctx.gateways->stats()) { // also keeps the gateway.down gauge current
    gateway_row row;
    row.gw = s.gw;
    row.state = std::string{flow::to_string(s.breaker)};
    row.window = s.window;
    row.in_flight = s.in_flight;
    row.waiting = s.waiting;
    row.silent_in_row = s.silent_in_row;
    row.down_for_ms = s.down_for_ms;
    row.sent = s.sent;
    row.acks = s.acks;
    row.busy = s.busy;
    row.nacks = s.nacks;
    row.silent = s.silent;
    row.waited = s.waited;
    row.balanced_in = s.balanced_in;
    row.breaker_trips = s.breaker_trips;
    r.rows.push_back(std::move(row));
  }
  return r;
}

namespace {

scale_result refuse(control_errc e, std::string message) {
  scale_result r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

void scale_routers(self_ptr self, int32_t size, std::string who,
                   caf::typed_response_promise<scale_result> rp) {
  auto pool = caf::actor_cast<caf::actor>(self->state.ctx->routers); // pool management: untyped
  auto pool_silent = [=](caf::error& e) mutable {
    rp.deliver(refuse(control_errc::unavailable,
                      "routers: pool did not answer: " + self->system().render(e)));
  };
  // await: one scale at a time, and nothing else interleaves with it.
  self->request(pool, ask_timeout, caf::sys_atom_v, caf::get_atom_v)
      .await(
          [=](std::vector<caf::actor>& workers) mutable {
            auto& st = self->state;
            auto lg = log::get("inspect");
            scale_result res;
            res.pool = "routers";
            res.before = static_cast<int32_t>(workers.size());
            if (size > res.before) {
              for (auto k = res.before; k < size; ++k) {
                auto w = spawn_router(self->system(), st.ctx, st.next_router_index++);
                self->send(pool, caf::sys_atom_v, caf::put_atom_v, caf::actor_cast<caf::actor>(w));
              }
            } else {
              // The newest leave first; each drains before it stops.
              for (auto k = res.before; k > size; --k) {
                auto w = workers[static_cast<size_t>(k - 1)];
                self->send(pool, caf::sys_atom_v, caf::delete_atom_v, w);
                self->send(caf::actor_cast<router_handle>(w), drain_atom_v);
              }
            }
            self->request(pool, ask_timeout, caf::sys_atom_v, caf::get_atom_v)
                .await(
                    [=](std::vector<caf::actor>& now) mutable {
                      auto r = res;
                      r.after = static_cast<int32_t>(now.size());
                      r.message =
                          "routers: " + std::to_string(r.before) + " -> " + std::to_string(r.after);
                      self->state.ctx->metrics->router_scaled.inc();
                      self->state.ctx->metrics->router_pool_size.set(r.after);
                      lg->info("scaled by shelfwire-inspect ({}): {}", who, r.message);
                      rp.deliver(std::move(r));
                    },
                    pool_silent);
          },
          pool_silent);
}

void tick(self_ptr self) {
  auto& st = self->state;
  auto n = mqtt_messages(*st.ctx->registry);
  if (st.last_mqtt_messages >= 0)
    st.mqtt_messages_per_s = n - st.last_mqtt_messages;
  st.last_mqtt_messages = n;
  self->delayed_send(self, std::chrono::seconds{1}, caf::tick_atom_v);
}

} // namespace

std::optional<caf::error> refuse_view(const node_context& ctx, const std::string& token) {
  auto access = check_view_access(ctx.opts.inspect, is_loopback(ctx.opts.cluster.bind), token);
  if (access == view_access::granted)
    return std::nullopt;
  ctx.metrics->inspect_refused.inc();
  static log::throttle throttle{5};
  uint64_t suppressed = 0;
  if (throttle.allow(steady_now_us(), suppressed))
    log::get("inspect")->warn(
        "view request refused ({}){}",
        access == view_access::wrong_token ? "wrong token" : "no inspect.read-token set",
        suppressed ? fmt::format(" ({} more not logged)", suppressed) : std::string{});
  return caf::make_error(caf::sec::runtime_error, view_refusal(access, ctx.id.name));
}

caf::behavior inspector(self_ptr self, node_context_ptr ctx, std::vector<named_value> fixed_actors,
                        size_t next_router_index) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.fixed_actors = std::move(fixed_actors);
  st.next_router_index = next_router_index;
  st.up_since_ms = wall_now_ms();
  tick(self);
  return {
      [=](caf::tick_atom) { tick(self); },
      [=](inspect_atom, node_atom, const std::string& token) -> caf::result<node_report> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        auto rp = self->make_response_promise<node_report>();
        node_view(self, rp);
        return rp;
      },
      [=](inspect_atom, commands_atom, const command_query& q,
          const std::string& token) -> caf::result<command_list> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        auto rp = self->make_response_promise<command_list>();
        commands_view(self, q, rp);
        return rp;
      },
      [=](inspect_atom, route_atom, esl_mac esl,
          const std::string& token) -> caf::result<route_report> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        auto rp = self->make_response_promise<route_report>();
        auto& ctx = *self->state.ctx;
        auto stale_after = ctx.opts.route_table.stale_after_ms;
        self->request<urgent>(ctx.routers, ask_timeout, lookup_atom_v, esl)
            .then(
                [=](route_answer& a) mutable {
                  route_report r;
                  r.esl = esl;
                  r.ok = a.ok;
                  r.candidates = std::move(a.route.candidates);
                  r.stale_after_ms = stale_after;
                  rp.deliver(std::move(r));
                },
                [=](caf::error&) mutable {
                  route_report r;
                  r.esl = esl;
                  r.stale_after_ms = stale_after;
                  rp.deliver(std::move(r));
                });
        return rp;
      },
      [=](inspect_atom, gateways_atom, const std::string& token) -> caf::result<gateway_report> {
        if (auto refused = refuse_view(*self->state.ctx, token))
          return *refused;
        return gateways_view(*self->state.ctx);
      },
      [=](scale_atom, const std::string& pool, int32_t size, const std::string& token,
          const std::string& who) {
        auto rp = self->make_response_promise<scale_result>();
        auto& st = self->state;
        auto lg = log::get("inspect");
        auto& expected = st.ctx->opts.inspect.token;
        if (expected.empty()) {
          lg->warn("scale request from {} refused: control actions are off (no inspect.token)",
                   who);
          rp.deliver(refuse(control_errc::control_disabled,
                            "refused: control actions are off on node '" + st.ctx->id.name +
                                "' (it has no inspect.token)"));
          return rp;
        }
        if (!constant_time_equal(token, expected)) {
          lg->warn("scale request from {} refused: wrong token", who);
          rp.deliver(refuse(control_errc::bad_token,
                            "refused: wrong token for node '" + st.ctx->id.name + "'"));
          return rp;
        }
        if (pool != "routers") {
          rp.deliver(refuse(control_errc::unknown_pool,
                            "refused: unknown pool '" + pool + "' (legal: routers)"));
          return rp;
        }
        if (size < 1 || size > max_router_pool_size) {
          rp.deliver(refuse(control_errc::bad_size,
                            "refused: size " + std::to_string(size) + " out of range (1.." +
                                std::to_string(max_router_pool_size) + ")"));
          return rp;
        }
        scale_routers(self, size, who, rp);
        return rp;
      },
  };
}

} // namespace shelfwire
