#include "actors/intake/job_intake.hpp"

#include <caf/all.hpp>

#include "actors/intake/job_coordinator.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<job_intake_state>*;

void reject(self_ptr self, const std::optional<std::string>& job, const std::string& error,
            const std::string& detail) {
  auto& st = self->state;
  st.ctx->metrics->jobs_rejected.inc();
  std::string payload;
  std::string topic;
  if (job) {
    wire::job_result res;
    res.job = *job;
    res.node = st.ctx->id.name;
    res.rejected = true;
    res.error = detail.empty() ? error : error + ": " + detail;
    wire::encode(res, payload);
    topic = st.ctx->opts.intake.topic_prefix + "/" + *job + "/result";
  } else {
    wire::job_rejection rej;
    rej.node = st.ctx->id.name;
    rej.error = error;
    rej.detail = detail;
    wire::encode(rej, payload);
    topic = st.ctx->opts.intake.topic_prefix + "/rejected";
  }
  if (st.reject_log.allow(steady_now_us()))
    log::get("intake")->warn("rejected job '{}': {} {}", job.value_or("?"), error, detail);
  auto rc = st.ctx->egress->publish(topic, payload, 1);
  if (rc != mqtt::publish_errc::ok)
    log::get("intake")->error("could not publish the rejection of job '{}' on '{}': {}",
                              job.value_or("?"), topic, mqtt::to_string(rc));
}

} // namespace

caf::behavior job_intake(self_ptr self, node_context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  // On shutdown the coordinators go too (their results were published or
  // could not be: the node logs which).
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& [addr, c] : self->state.coordinators)
      self->send_exit(c.second, em.reason);
    self->quit(em.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.coordinators.find(dm.source);
    if (i == st.coordinators.end())
      return;
    auto job = i->second.first;
    st.coordinators.erase(i);
    auto j = st.jobs.find(job);
    if (j == st.jobs.end())
      return; // finished normally (done_atom came first)
    // Only a crash (or shutdown before the result went out) gets here.
    log::get("intake")->error("job '{}' lost: its coordinator stopped ({}) before publishing "
                              "the result",
                              job, self->system().render(dm.reason));
    st.pending_commands -= static_cast<int64_t>(j->second);
    st.jobs.erase(j);
    st.ctx->metrics->jobs_in_flight.add(-1);
  });
  return {
      [=](mqtt_inbound& m) {
        auto& st = self->state;
        auto& opts = st.ctx->opts.intake;
        st.ctx->metrics->jobs_received.inc();
        if (static_cast<int64_t>(m.payload.size()) > opts.max_payload_bytes) {
          reject(self, wire::salvage_job_id(m.payload), "too_large",
                 std::to_string(m.payload.size()) + " bytes, intake.max-payload-bytes = " +
                     std::to_string(opts.max_payload_bytes));
          return;
        }
        wire::decode_limits lim;
        lim.max_bytes = static_cast<size_t>(opts.max_payload_bytes);
        lim.max_array = static_cast<size_t>(opts.max_commands_per_job);
        auto job = wire::decode_job(m.payload, lim);
        if (!job) {
          auto& e = job.error();
          if (e.code == wire::decode_errc::limit_exceeded && e.key == "commands")
            reject(self, wire::salvage_job_id(m.payload), "too_many_commands",
                   "intake.max-commands-per-job = " + std::to_string(opts.max_commands_per_job));
          else
            reject(self, wire::salvage_job_id(m.payload), "malformed", e.to_string());
          return;
        }
        auto n = static_cast<int64_t>(job->commands.size());
        if (n > opts.max_commands_per_job) {
          reject(self, job->job, "too_many_commands",
                 std::to_string(n) + " commands, intake.max-commands-per-job = " +
                     std::to_string(opts.max_commands_per_job));
          return;
        }
        if (st.jobs.count(job->job)) {
          st.ctx->metrics->jobs_duplicate.inc();
          log::get("intake")->warn("job '{}' is already in flight here: duplicate dropped",
                                   job->job);
          return;
        }
        if (st.pending_commands + n > opts.max_pending_commands) {
          reject(self, job->job, "overloaded",
                 std::to_string(st.pending_commands) + " commands pending, " +
                     "intake.max-pending-commands = " + std::to_string(opts.max_pending_commands));
          return;
        }
        st.pending_commands += n;
        st.jobs.emplace(job->job, static_cast<uint64_t>(n));
        st.ctx->metrics->jobs_accepted.inc();
        st.ctx->metrics->jobs_in_flight.add(1);
        auto id = job->job;
        log::get("intake")->debug("job '{}' accepted: {} commands", id, n);
        auto coord = self->spawn<caf::monitored>(
            job_coordinator, st.ctx, caf::actor_cast<caf::actor>(self), std::move(*job));
        st.coordinators.emplace(coord.address(), std::make_pair(std::move(id), coord));
      },
      [=](done_atom, const std::string& job, uint64_t commands) {
        auto& st = self->state;
        if (st.jobs.erase(job)) {
          st.pending_commands -= static_cast<int64_t>(commands);
          st.ctx->metrics->jobs_in_flight.add(-1);
        }
      },
      [=](caf::get_atom) { return static_cast<uint64_t>(self->state.jobs.size()); },
  };
}

} // namespace shelfwire
