#include "actors/router/router.hpp"

#include <caf/all.hpp>

#include "actors/gateway/gateway_egress.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/core/thread_name.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/wire/token.hpp"

namespace shelfwire {

namespace {

using self_ptr = router_handle::stateful_pointer<router_state>;

dispatch_result route_and_publish(self_ptr self, const dispatch_request& req,
                                  const command_handle& who, bool table_ok,
                                  const routing::route* route) {
  auto& st = self->state;
  auto& m = *st.ctx->metrics;
  dispatch_result res;
  res.seq = req.seq;
  if (!table_ok) {
    m.router_unavailable.inc();
    res.what = dispatch_result::kind::unavailable;
    return res;
  }
  res.candidates = static_cast<uint32_t>(route->candidates.size());
  auto& gateways = *st.ctx->gateways;
  auto choice = gateways.choose(*route, req.tried, req.allow_repeat);
  auto& pick = choice.pick;
  if (choice.all_down) {
    res.what = dispatch_result::kind::gateway_down;
    return res;
  }
  if (!pick) {
    // A table being rebuilt after Redis lost it: this ESL may simply not be
    // reported again yet. Only a route that never appears by the deadline
    // makes the command unroutable.
    if (route->candidates.empty() && st.routes_in->warming()) {
      m.router_warming.inc();
      res.what = dispatch_result::kind::warming;
      return res;
    }
    m.router_no_route.inc();
    res.what = dispatch_result::kind::no_route;
    return res;
  }
  wire::action act;
  act.id = wire::encode_token({st.ctx->id.incarnation, req.command_id, req.attempt},
                              st.ctx->id.token_key);
  act.esl = req.cmd.esl;
  act.op = req.cmd.op;
  act.args = req.cmd.args;
  act.ttl_ms = req.ttl_ms;
  wire::encode(act, st.payload);
  auto topic = wire::action_topic(st.ctx->opts.gateway.topic_prefix, pick->gw);
  switch (gateways.send(pick->gw, {req.command_id, req.attempt}, req.cmd.prio, topic, st.payload,
                        who, req.seq)) {
  case gateway_egress::admission::failed:
    m.router_publish_failed.inc();
    m.router_unavailable.inc();
    res.what = dispatch_result::kind::unavailable;
    return res;
  case gateway_egress::admission::waiting:
    res.what = dispatch_result::kind::queued;
    break;
  case gateway_egress::admission::sent:
    m.router_dispatched.inc();
    res.what = dispatch_result::kind::sent;
    break;
  }
  res.gw = pick->gw;
  res.rssi = pick->rssi;
  return res;
}

/// Answers every request that queued up since the last flush, with one
/// Redis script call per `lookup-batch-max` ESLs.
void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending.empty())
    return;
  auto n = std::min(st.pending.size(),
                    static_cast<size_t>(std::max(st.ctx->opts.routers.lookup_batch_max, 1)));
  st.esls.clear();
  for (size_t i = 0; i < n; ++i)
    st.esls.push_back(st.pending[i].req.cmd.esl);
  st.routes.clear();
  auto t0 = steady_now_us();
  auto err = st.routes_in->lookup(st.esls, st.routes);
  st.ctx->metrics->router_lookup_us.record(static_cast<uint64_t>(steady_now_us() - t0));
  bool ok = err == redis::errc::ok && st.routes.size() == n;
  for (size_t i = 0; i < n; ++i) {
    auto& w = st.pending[i];
    w.promise.deliver(route_and_publish(self, w.req, w.who, ok, ok ? &st.routes[i] : nullptr));
  }
  st.handled += static_cast<int64_t>(n);
  st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<ptrdiff_t>(n));
  if (!st.pending.empty()) {
    st.flush_scheduled = true;
    self->send(self, flush_atom_v);
  }
}

} // namespace

router_handle spawn_router(caf::actor_system& sys, node_context_ptr ctx, size_t index) {
  if (ctx->detach_blocking_actors)
    return sys.spawn<caf::detached>(router, std::move(ctx), index);
  return sys.spawn(router, std::move(ctx), index);
}

router_handle::behavior_type router(self_ptr self, node_context_ptr ctx, size_t index) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.index = index;
  st.routes_in = st.ctx->make_route_source(index);
  if (self->getf(caf::abstract_actor::is_detached_flag))
    name_this_thread("sw.router"); // its own thread (hiredis blocks)
  return {
      [=](dispatch_atom, dispatch_request& req) -> caf::result<dispatch_result> {
        auto& st = self->state;
        // Before the promise: making it takes the sender out of the message.
        auto who = caf::actor_cast<command_handle>(self->current_sender());
        auto rp = self->make_response_promise<dispatch_result>();
        if (st.draining) { // routed here just before we left the pool: back to it
          st.ctx->metrics->router_handed_back.inc();
          rp.delegate(st.ctx->routers, dispatch_atom_v, std::move(req));
          return rp;
        }
        st.pending.push_back(router_state::waiting_request{rp, std::move(req), std::move(who)});
        // The flush message queues behind everything already in the mailbox:
        // all of it is answered by one Redis round trip.
        if (!st.flush_scheduled) {
          st.flush_scheduled = true;
          self->send(self, flush_atom_v);
        }
        return rp;
      },
      [=](flush_atom) { flush(self); },
      [=](inspect_atom) {
        auto& st = self->state;
        router_row r;
        r.index = static_cast<uint32_t>(st.index);
        // Not mailbox().size(): in CAF 0.17.6 it moves new arrivals into the
        // queue this handler is being called from (ASan: use after free).
        // The queue's count is what the router has taken in and not handled;
        // arrivals since its current round began are not counted.
        r.mailbox = static_cast<int64_t>(self->mailbox().queue().total_task_size());
        r.handled = st.handled;
        r.redis_up = st.routes_in->connected();
        return r;
      },
      [=](lookup_atom, esl_mac esl) {
        auto& st = self->state;
        route_answer a;
        std::vector<esl_mac> one{esl};
        std::vector<routing::route> routes;
        a.ok = st.routes_in->lookup(one, routes) == redis::errc::ok && routes.size() == 1;
        if (a.ok)
          a.route = std::move(routes.front());
        return a;
      },
      [=](drain_atom) {
        auto& st = self->state;
        if (st.draining)
          return;
        st.draining = true;
        while (!st.pending.empty())
          flush(self);
        self->delayed_send(self, std::chrono::milliseconds{drain_grace_ms}, drain_atom_v,
                           done_atom_v);
      },
      [=](drain_atom, done_atom) { self->quit(); },
  };
}

} // namespace shelfwire
