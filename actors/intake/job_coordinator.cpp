#include "actors/intake/job_coordinator.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"

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

namespace {

void fill_window(self_ptr self) {
  auto& st = self->state;
  auto window = static_cast<size_t>(st.ctx->opts.intake.dispatch_window);
  auto n = st.job.commands.size();
  while (st.next < n && st.dispatch->outstanding() < window) {
    auto i = st.next++;
    auto& c = st.job.commands[i];
    st.dispatch->send(self, static_cast<uint32_t>(i), command_spec{c.esl, c.op, c.args});
  }
}

} // namespace

caf::behavior job_coordinator(self_ptr self, node_context_ptr ctx, caf::actor intake,
                              wire::job_submission job) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.intake = std::move(intake);
  st.job = std::move(job);
  st.dispatch = std::make_unique<command_dispatcher>(st.ctx);
  st.topic = st.ctx->opts.intake.topic_prefix + "/" + st.job.job + "/result";
  auto n = st.job.commands.size();
  st.results.resize(n);
  st.have.assign(n, false);
  st.remaining = n;
  for (size_t i = 0; i < n; ++i) {
    st.results[i].esl = st.job.commands[i].esl;
    st.results[i].op = st.job.commands[i].op;
  }
  if (n == 0)
    finish(self);
  else
    fill_window(self);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto n = st.dispatch->redispatch(self, dm);
    if (n > 0)
      log::get("intake")->warn("job '{}': {} commands were held by a node that is gone ({}): "
                               "sent them to their new owners",
                               st.job.job, n, self->system().render(dm.reason));
  });
  return {
      [=](outcome_atom, uint32_t index, command_report& rep) {
        auto& st = self->state;
        if (index >= st.have.size() || st.have[index] || st.publishing ||
            !st.dispatch->take(self, index, self->current_sender())) {
          log::get("intake")->debug("job '{}': stale outcome for command {} ignored", st.job.job,
                                    index);
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
        if (o.backbone_us >= 0)
          r.backbone_us = static_cast<uint64_t>(o.backbone_us);
        if (--st.remaining == 0)
          finish(self);
        else
          fill_window(self);
      },
      [=](retry_atom) { try_publish(self); },
  };
}

} // namespace shelfwire
