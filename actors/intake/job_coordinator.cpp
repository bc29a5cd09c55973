#include "actors/intake/job_coordinator.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "runtime/log/log.hpp"
#include "runtime/mqtt/client.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<job_coordinator_state>*;

constexpr auto result_retry_interval = std::chrono::milliseconds{500};

void try_publish(self_ptr self) {
  auto& st = self->state;
  auto rc = st.ctx->egress->publish(st.topic, st.payload, 1);
  if (rc == mqtt::publish_errc::ok) {
    st.ctx->metrics->jobs_completed.inc();
    self->send(st.intake, done_atom_v, st.job.job, static_cast<uint64_t>(st.job.commands.size()));
    self->quit();
    return;
  }
  if (st.ctx->metrics->jobs_result_retries.value() % 20 == 0)
    log::get("intake")->warn("result of job '{}' not published ({}); retrying every {} ms",
                             st.job.job, mqtt::to_string(rc), result_retry_interval.count());
  st.ctx->metrics->jobs_result_retries.inc();
  self->delayed_send(self, result_retry_interval, retry_atom_v);
}

void finish(self_ptr self) {
  auto& st = self->state;
  st.publishing = true;
  wire::job_result res;
  res.job = st.job.job;
  res.node = st.ctx->id.name;
  res.outcomes = std::move(st.results);
  wire::encode(res, st.payload);
  auto c = res.counts();
  log::get("intake")->info(
      "job '{}' done: {} commands, {} acked, {} nacked, {} timed_out, {} unroutable, {} failed, "
      "{} superseded",
      st.job.job, res.outcomes.size(), c[0], c[1], c[2], c[3], c[4], c[5]);
  try_publish(self);
}

} // namespace

caf::behavior job_coordinator(self_ptr self, node_context_ptr ctx, caf::actor intake,
                              wire::job_submission job) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.intake = std::move(intake);
  st.job = std::move(job);
  st.topic = st.ctx->opts.intake.topic_prefix + "/" + st.job.job + "/result";
  auto n = st.job.commands.size();
  st.results.resize(n);
  st.have.assign(n, false);
  st.remaining = n;
  for (size_t i = 0; i < n; ++i) {
    auto& c = st.job.commands[i];
    st.results[i].esl = c.esl;
    st.results[i].op = c.op;
    self->send(st.ctx->shard_of(c.esl), submit_atom_v, static_cast<uint32_t>(i),
               command_spec{c.esl, c.op, c.args});
  }
  if (n == 0)
    finish(self);
  return {
      [=](outcome_atom, uint32_t index, command_report& rep) {
        auto& st = self->state;
        if (index >= st.have.size() || st.have[index] || st.publishing) {
          log::get("intake")->error("job '{}': unexpected second outcome for command {}",
                                    st.job.job, index);
          return;
        }
        st.have[index] = true;
        auto& r = st.results[index];
        auto& o = rep.outcome;
        r.status = o.status;
        r.code = o.code;
        if (o.has_gw)
          r.gw = o.gw;
        r.attempts = o.attempts;
        r.latency_us = static_cast<uint64_t>(std::max<int64_t>(rep.latency_us, 0));
        r.reason = std::move(o.reason);
        if (--st.remaining == 0)
          finish(self);
      },
      [=](retry_atom) { try_publish(self); },
  };
}

} // namespace shelfwire
