#include "actors/router/router.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/mqtt/client.hpp"
#include "runtime/routing/pick.hpp"
#include "runtime/wire/token.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<router_state>*;

dispatch_result publish(self_ptr self, const dispatch_request& req, route_answer& a) {
  auto& st = self->state;
  auto& m = *st.ctx->metrics;
  dispatch_result res;
  res.seq = req.seq;
  if (!a.ok) {
    m.router_unavailable.inc();
    res.what = dispatch_result::kind::unavailable;
    return res;
  }
  res.candidates = static_cast<uint32_t>(a.route.candidates.size());
  auto pick = routing::pick_gateway(a.route, req.tried, req.allow_repeat);
  if (!pick) {
    m.router_no_route.inc();
    res.what = dispatch_result::kind::no_route;
    return res;
  }
  wire::action act;
  act.id = wire::encode_token({st.ctx->id.incarnation, req.command_id, req.attempt},
                              st.ctx->id.token_secret);
  act.esl = req.cmd.esl;
  act.op = req.cmd.op;
  act.args = req.cmd.args;
  act.ttl_ms = req.ttl_ms;
  wire::encode(act, st.payload);
  auto topic = wire::action_topic(st.ctx->opts.gateway.topic_prefix, pick->gw);
  if (st.ctx->egress->publish(topic, st.payload, 1) != mqtt::publish_errc::ok) {
    m.router_publish_failed.inc();
    m.router_unavailable.inc();
    res.what = dispatch_result::kind::unavailable;
    return res;
  }
  m.router_dispatched.inc();
  res.what = dispatch_result::kind::sent;
  res.gw = pick->gw;
  res.rssi = pick->rssi;
  return res;
}

} // namespace

caf::behavior router(self_ptr self, node_context_ptr ctx, caf::actor lookup) {
  self->state.ctx = std::move(ctx);
  self->state.lookup = std::move(lookup);
  return {
    [=](dispatch_atom, dispatch_request& req) -> caf::result<dispatch_result> {
      auto rp = self->make_response_promise<dispatch_result>();
      auto t0 = steady_now_us();
      auto timeout = std::chrono::milliseconds{self->state.ctx->opts.routers.lookup_timeout_ms};
      self->request(self->state.lookup, timeout, lookup_atom_v, req.cmd.esl)
        .then(
          [=](route_answer& a) mutable {
            self->state.ctx->metrics->router_lookup_us.record(
              static_cast<uint64_t>(steady_now_us() - t0));
            rp.deliver(publish(self, req, a));
          },
          [=](const caf::error&) mutable {
            self->state.ctx->metrics->router_unavailable.inc();
            dispatch_result res;
            res.seq = req.seq;
            res.what = dispatch_result::kind::unavailable;
            rp.deliver(res);
          });
      return rp;
    },
  };
}

} // namespace shelfwire
