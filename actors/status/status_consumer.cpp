#include "actors/status/status_consumer.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/log/malformed.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<status_consumer_state>*;

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.batch.empty())
    return;
  auto err = st.table->apply(st.batch);
  st.ctx->metrics->status_flushes.inc();
  if (err == redis::errc::ok)
    st.ctx->metrics->status_adverts_applied.inc(st.batch_adverts);
  if (err != redis::errc::ok) {
    st.ctx->metrics->status_adverts_dropped.inc(st.batch_adverts);
    if (st.redis_log.allow(steady_now_us()))
      log::get("routing")->warn("dropped {} adverts: routing table unavailable ({})",
                                st.batch_adverts, redis::to_string(err));
  }
  st.batch.clear();
  st.batch_adverts = 0;
}

void malformed(self_ptr self, const mqtt_inbound& m, const std::string& why) {
  auto& st = self->state;
  log::malformed_input(st.ctx->metrics->status_malformed, st.malformed_log, "routing", "status",
                       m.topic, m.payload.size(), why);
}

} // namespace

caf::behavior status_consumer(self_ptr self, node_context_ptr ctx) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.conn =
      std::make_unique<redis::connection>(st.ctx->opts.redis, *st.ctx->registry, "redis.status");
  st.table = std::make_unique<routing::route_table>(*st.conn, st.ctx->opts.route_table);
  return {
      [=](mqtt_inbound& m) {
        auto& st = self->state;
        auto& mx = *st.ctx->metrics;
        mx.status_received.inc();
        auto gw = wire::gateway_of_topic(st.ctx->opts.gateway.topic_prefix, m.topic, "status");
        if (!gw) {
          malformed(self, m, "topic is not {prefix}/{gateway MAC}/status");
          return;
        }
        auto s = wire::decode_status(m.payload);
        if (!s) {
          malformed(self, m, s.error().to_string());
          return;
        }
        // The topic names the gateway (that is what broker ACLs protect); a
        // payload claiming another one is counted and the topic wins.
        if (s->gw != *gw)
          mx.status_gw_mismatch.inc();
        mx.status_skipped_adverts.inc(s->skipped_adverts);
        if (s->adv.empty())
          return;
        mx.status_adverts.inc(s->adv.size());
        st.batch_adverts += s->adv.size();
        st.batch.push_back({*gw, std::move(s->adv)});
        if (st.batch_adverts >= static_cast<size_t>(st.ctx->opts.routing.batch_max_adverts)) {
          flush(self);
        } else if (!st.flush_scheduled) {
          st.flush_scheduled = true;
          self->delayed_send(self,
                             std::chrono::milliseconds{st.ctx->opts.routing.flush_interval_ms},
                             flush_atom_v);
        }
      },
      [=](flush_atom) { flush(self); },
  };
}

} // namespace shelfwire
