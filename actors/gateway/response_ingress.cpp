#include "actors/gateway/response_ingress.hpp"

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/wire/token.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<response_ingress_state>*;

void malformed(self_ptr self, const mqtt_inbound& m, const std::string& why) {
  auto& st = self->state;
  st.ctx->metrics->replies_malformed.inc();
  if (st.malformed_log.allow(steady_now_us()))
    log::get("gateway")->warn(
        "malformed response on '{}' ({} bytes): {}{}", m.topic, m.payload.size(), why,
        st.malformed_log.suppressed()
            ? fmt::format(" ({} similar suppressed)", st.malformed_log.suppressed())
            : std::string{});
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
        if (!r->id) {
          mx.replies_legacy.inc();
          self->send(st.ctx->shard_of(r->esl), reply_atom_v, rep);
          return;
        }
        auto tok = wire::verify_token(*r->id, st.ctx->id.token_secret);
        if (!tok) {
          auto peek = wire::peek_token(*r->id);
          if (peek && peek->incarnation != st.ctx->id.incarnation)
            mx.replies_foreign.inc(); // minted by another node or a previous run
          else
            mx.replies_bad_token.inc();
          return;
        }
        auto shard = node_context::shard_index_of(tok->command_id);
        if (shard >= st.ctx->shards.size()) {
          mx.replies_bad_token.inc();
          return;
        }
        rep.command_id = tok->command_id;
        rep.attempt = tok->attempt;
        self->send(st.ctx->shards[shard], reply_atom_v, rep);
      },
  };
}

} // namespace shelfwire
