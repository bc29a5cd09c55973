#include "actors/status/status_consumer.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/core/thread_name.hpp"
#include "runtime/log/log.hpp"
#include "runtime/log/malformed.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<status_consumer_state>*;

bool transient(redis::errc e) {
  // The link failed: what we sent may not have reached Redis. A server
  // error (a script failing) would fail again: not kept.
  return e != redis::errc::ok && e != redis::errc::server_error;
}

void schedule_flush(self_ptr self, int delay_ms) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds{delay_ms}, flush_atom_v);
}

void count_backlog_drops(status_consumer_state& st) {
  if (auto d = st.backlog->take_dropped(); d > 0)
    st.ctx->metrics->status_adverts_dropped.inc(d);
  // Several consumers share the gauge: each adds its own change.
  auto kept = static_cast<int64_t>(st.backlog->adverts());
  st.ctx->metrics->status_backlog_adverts.add(kept - st.backlog_reported);
  st.backlog_reported = kept;
}

/// Writes what was kept during an outage (and the batch queued behind it),
/// oldest first. While Redis still cannot take it, all of it is kept again.
void replay_backlog(self_ptr self, int64_t now_ms) {
  auto& st = self->state;
  std::vector<int64_t> times;
  auto kept = st.backlog->take(now_ms, st.ctx->opts.route_table.stale_after_ms, &times);
  size_t n = 0;
  for (auto& u : kept)
    n += u.adverts.size();
  auto err = st.table->apply(kept);
  if (transient(err)) {
    for (size_t i = 0; i < kept.size(); ++i)
      st.backlog->keep(std::move(kept[i]), times[i]);
    return;
  }
  if (err == redis::errc::ok) {
    st.ctx->metrics->status_adverts_applied.inc(n);
    st.ctx->metrics->status_adverts_replayed.inc(n);
    log::get("routing")->info("redis is back: wrote {} adverts kept during the outage", n);
  } else {
    st.ctx->metrics->status_adverts_dropped.inc(n);
  }
}

/// Writes the batch now, or keeps it for later if Redis cannot be reached.
void write_batch(self_ptr self, int64_t now_ms) {
  auto& st = self->state;
  auto err = st.table->apply(st.batch);
  st.ctx->metrics->status_flushes.inc();
  if (err == redis::errc::ok) {
    st.ctx->metrics->status_adverts_applied.inc(st.batch_adverts);
  } else if (transient(err)) {
    if (st.redis_log.allow(steady_now_us()))
      log::get("routing")->warn(
          "routing table unavailable ({}): keeping {} adverts to write when redis returns "
          "(at most routing.outage-buffer-adverts = {})",
          redis::to_string(err), st.batch_adverts, st.ctx->opts.routing.outage_buffer_adverts);
    st.backlog->keep(std::move(st.batch), now_ms);
  } else {
    st.ctx->metrics->status_adverts_dropped.inc(st.batch_adverts);
    if (st.redis_log.allow(steady_now_us()))
      log::get("routing")->warn("dropped {} adverts: routing table unavailable ({})",
                                st.batch_adverts, redis::to_string(err));
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  auto now_ms = steady_now_us() / 1000;
  if (st.backlog->empty()) {
    if (!st.batch.empty())
      write_batch(self, now_ms);
  } else {
    // Behind the kept status, in order: one write for both.
    st.backlog->keep(std::move(st.batch), now_ms);
    replay_backlog(self, now_ms);
  }
  st.batch.clear();
  st.batch_adverts = 0;
  count_backlog_drops(st);
  if (!st.backlog->empty())
    schedule_flush(self, st.ctx->opts.routing.outage_retry_ms);
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
  if (self->getf(caf::abstract_actor::is_detached_flag))
    name_this_thread("sw.status"); // its own thread (hiredis blocks)
  st.conn =
      std::make_unique<redis::connection>(st.ctx->opts.redis, *st.ctx->registry, "redis.status");
  st.table = std::make_unique<routing::route_table>(*st.conn, st.ctx->opts.route_table);
  st.backlog = std::make_unique<routing::advert_backlog>(
      static_cast<size_t>(st.ctx->opts.routing.outage_buffer_adverts));
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
        if (st.batch_adverts >= static_cast<size_t>(st.ctx->opts.routing.batch_max_adverts))
          flush(self);
        else
          schedule_flush(self, st.ctx->opts.routing.flush_interval_ms);
      },
      [=](flush_atom) { flush(self); },
  };
}

} // namespace shelfwire
