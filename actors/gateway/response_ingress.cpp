#include "actors/gateway/response_ingress.hpp"

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/malformed.hpp"
#include "runtime/wire/token.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<response_ingress_state>*;

void malformed(self_ptr self, const mqtt_inbound& m, const std::string& why) {
  auto& st = self->state;
  log::malformed_input(st.ctx->metrics->replies_malformed, st.malformed_log, "gateway", "response",
                       m.topic, m.payload.size(), why);
}

/// `rep` leaves for another member: counted, and stamped for the hop latency.
void mark_crossing(node_metrics& mx, gateway_reply& rep) {
  mx.replies_crossed.inc();
  rep.forwarded_us = steady_now_us();
  rep.hops = 1;
}

} // namespace

caf::behavior response_ingress(self_ptr self, node_context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  return {
      [=](mqtt_inbound& m) {
        auto& st = self->state;
        auto& mx = *st.ctx->metrics;
        mx.replies_received.inc();
        auto gw = wire::gateway_of_topic(st.ctx->opts.gateway.topic_prefix, m.topic, "response");
        if (!gw) {
          malformed(self, m, "topic is not {prefix}/{gateway MAC}/response");
          return;
        }
        auto r = wire::decode_response(m.payload);
        if (!r) {
          malformed(self, m, r.error().to_string());
          return;
        }
        gateway_reply rep;
        rep.esl = r->esl;
        rep.gw = *gw;
        rep.ack = r->ack;
        rep.code = r->code.value_or(0u);
        auto& ctx = *st.ctx;
        auto view = ctx.cluster.get();
        if (!r->id) {
          // Legacy gateway: no token, the ESL's owner holds its command.
          mx.replies_legacy.inc();
          auto owner = ctx.naive_replies ? nullptr : view->owner(r->esl);
          if (owner == nullptr || owner->incarnation == ctx.id.incarnation) {
            self->send(ctx.shard_of(r->esl), reply_atom_v, rep);
            return;
          }
          mark_crossing(mx, rep);
          self->send(owner->shard_of(r->esl), reply_atom_v, rep);
          return;
        }
        auto peek = wire::peek_token(*r->id);
        if (!peek) {
          mx.replies_bad_token.inc();
          return;
        }
        const cluster_member* holder = nullptr;
        auto key = ctx.id.token_key;
        if (peek->incarnation != ctx.id.incarnation) {
          if (ctx.naive_replies) {
            mx.replies_dropped_naive.inc(); // the misrouting baseline
            return;
          }
          holder = view->by_incarnation(peek->incarnation);
          if (holder == nullptr) {
            mx.replies_foreign.inc(); // a node that is gone, or a previous run of one
            return;
          }
          key = holder->token_key;
        }
        auto tok = wire::verify_token(*r->id, key);
        auto shard = tok ? node_context::shard_index_of(tok->command_id) : ~size_t{0};
        auto& shards = holder ? holder->shards : ctx.shards;
        if (!tok || shard >= shards.size()) {
          mx.replies_bad_token.inc();
          return;
        }
        rep.command_id = tok->command_id;
        rep.attempt = tok->attempt;
        if (holder)
          mark_crossing(mx, rep);
        self->send(shards[shard], reply_atom_v, rep);
      },
  };
}

} // namespace shelfwire
