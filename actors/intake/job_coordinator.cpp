#include "actors/intake/job_coordinator.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/intake/job_replication.hpp"
#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/wire/job_notices.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<job_coordinator_state>*;

constexpr auto result_retry_interval = std::chrono::milliseconds{500};

void try_publish(self_ptr self) {
  auto& st = self->state;
  auto& m = *st.ctx->metrics;
  while (!st.outbox.empty()) {
    auto& [topic, payload] = st.outbox.front();
    auto rc = st.ctx->egress->publish(topic, payload, 1);
    if (rc != mqtt::publish_errc::ok) {
      if (m.jobs_result_retries.value() % 20 == 0)
        log::get("intake")->warn("result of job '{}' not published ({}); retrying every {} ms",
                                 st.job.job, mqtt::to_string(rc), result_retry_interval.count());
      m.jobs_result_retries.inc();
      self->delayed_send(self, result_retry_interval, retry_atom_v);
      return;
    }
    if (st.outbox.size() > 1)
      m.jobs_dead_letters.inc(); // the result is last
    st.outbox.pop_front();
  }
  m.jobs_completed.inc();
  if (st.peer)
    self->send(st.peer, done_atom_v, st.result_payload);
  self->send(st.intake, done_atom_v, st.job.job, static_cast<uint64_t>(st.job.commands.size()),
             std::move(st.result_payload));
  quit_job(self);
}

} // namespace

void quit_job(self_ptr self) {
  auto& st = self->state;
  st.dispatch->demonitor_all(self);
  if (st.peer)
    self->demonitor(st.peer);
  self->quit();
}

void finish_job(self_ptr self) {
  auto& st = self->state;
  st.publishing = true;
  replicate_outcomes(self); // the standby has every outcome before the result leaves
  wire::job_result res;
  res.job = st.job.job;
  res.node = st.ctx->id.name;
  res.outcomes = std::move(st.results);
  wire::encode(res, st.result_payload);
  auto& prefix = st.ctx->opts.intake.topic_prefix;
  for (size_t i = 0; i < res.outcomes.size(); ++i) {
    auto& o = res.outcomes[i];
    if (o.status == outcome_status::acked)
      continue;
    wire::dead_letter d;
    d.job = st.job.job;
    d.index = static_cast<uint32_t>(i);
    d.esl = o.esl;
    d.op = o.op;
    d.status = o.status;
    d.code = o.code;
    d.gw = o.gw;
    d.attempts = o.attempts;
    d.reason = o.reason;
    std::string payload;
    wire::encode(d, payload);
    st.outbox.emplace_back(prefix + "/dead-letters", std::move(payload));
  }
  st.outbox.emplace_back(job_topic(st, "result"), st.result_payload);
  auto c = res.counts();
  log::get("intake")->info(
      "job '{}' done: {} commands, {} acked, {} nacked, {} timed_out, {} unroutable, {} failed, "
      "{} superseded, {} aborted",
      st.job.job, res.outcomes.size(), c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
  try_publish(self);
}

command_spec spec_of(const job_coordinator_state& st, size_t index) {
  auto& c = st.job.commands[index];
  return command_spec{c.esl, c.op, c.args, st.job.prio};
}

namespace {

/// The actor clock (the steady clock; the test clock under test_coordinator):
/// what the rate limit and its wake-ups run on.
int64_t clock_us(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             self->clock().now().time_since_epoch())
      .count();
}

/// The rate limit's wake-up at `due_us`, unless an earlier one is armed.
void arm_release(self_ptr self, int64_t now_us, int64_t due_us) {
  auto& st = self->state;
  if (st.release_due_us != 0 && st.release_due_us <= due_us)
    return;
  st.release_due_us = due_us;
  self->delayed_send(self, std::chrono::microseconds{due_us - now_us}, submit_atom_v);
}

/// Ends command `index`, never sent, `aborted`.
void abort_unsent(self_ptr self, uint32_t index, int64_t now_us) {
  auto& st = self->state;
  command_report rep;
  rep.esl = st.job.commands[index].esl;
  rep.outcome.status = outcome_status::aborted;
  rep.outcome.reason = std::string{outcome_reason::abort_threshold};
  rep.latency_us = now_us - st.accepted_us;
  if (!record_outcome(self, index, rep))
    return;
  st.ctx->metrics->outcome(outcome_status::aborted).inc();
  st.unreplicated.push_back(outcome_entry{index, std::move(rep)});
}

} // namespace

void abort_job(self_ptr self) {
  auto& st = self->state;
  if (!st.abort_sent) {
    st.abort_sent = true;
    st.dispatch->stop_sending();
    auto shards = st.dispatch->shards();
    for (auto& shard : shards)
      self->send(shard, abort_atom_v);
    st.ctx->metrics->jobs_aborted.inc();
    log::get("intake")->warn("job '{}' aborted: {} of {} counted outcomes failed "
                             "(abort_threshold {}, after {}); {} shards told to end its waiting "
                             "commands",
                             st.job.job, st.rollout.failures(), st.rollout.counted(),
                             st.rollout.limits().abort_threshold.value_or(1),
                             st.rollout.limits().abort_min_outcomes, shards.size());
  }
  auto now = steady_now_us();
  for (auto i : st.dispatch->drop_held()) // given to the dispatcher, never sent
    abort_unsent(self, i, now);
  auto n = st.job.commands.size();
  for (; st.next < n; ++st.next)
    if (!st.have[st.next] && !st.sent[st.next])
      abort_unsent(self, static_cast<uint32_t>(st.next), now);
  if (st.remaining == 0)
    finish_job(self);
}

void fill_window(self_ptr self) {
  auto& st = self->state;
  if (!st.dispatching || st.publishing || st.handing_over || st.role != job_role::coordinator)
    return;
  if (st.rollout.aborted()) {
    abort_job(self);
    return;
  }
  auto window = static_cast<size_t>(st.ctx->opts.intake.dispatch_window);
  auto n = st.job.commands.size();
  int64_t now = 0; // read only for a rate limit: an unlimited job costs no clock
  while (st.next < n && st.dispatch->outstanding() < window) {
    auto i = st.next;
    if (st.have[i] || st.sent[i]) {
      ++st.next;
      continue;
    }
    if (st.rollout.rate_limited()) {
      if (now == 0)
        now = clock_us(self);
      if (!st.rollout.try_take(now)) {
        arm_release(self, now, st.rollout.next_release_us(now));
        return;
      }
    }
    ++st.next;
    st.sent[i] = true;
    st.dispatch->send(self, static_cast<uint32_t>(i), spec_of(st, i));
  }
}

bool record_outcome(self_ptr self, uint32_t index, const command_report& rep) {
  auto& st = self->state;
  if (index >= st.have.size() || st.have[index])
    return false;
  st.have[index] = true;
  auto& r = st.results[index];
  auto& o = rep.outcome;
  r.status = o.status;
  r.code = o.code;
  if (o.has_gw)
    r.gw = o.gw;
  r.attempts = o.attempts;
  r.latency_us = static_cast<uint64_t>(std::max<int64_t>(rep.latency_us, 0));
  r.reason = o.reason;
  if (o.backbone_us >= 0)
    r.backbone_us = static_cast<uint64_t>(o.backbone_us);
  --st.remaining;
  st.rollout.record(o.status); // both roles: a standby that takes over knows where the job is
  return true;
}

std::string job_topic(const job_coordinator_state& st, std::string_view what) {
  std::string t = st.ctx->opts.intake.topic_prefix;
  t += '/';
  t += st.job.job;
  t += '/';
  t += what;
  return t;
}

caf::behavior job_coordinator(self_ptr self, node_context_ptr ctx, caf::actor intake,
                              wire::job_submission job, std::string submission, job_role role,
                              caf::actor coordinator, std::vector<outcome_entry> so_far) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.intake = std::move(intake);
  st.job = std::move(job);
  st.submission = std::move(submission);
  st.role = role;
  st.dispatch = std::make_unique<command_dispatcher>(st.ctx);
  st.accepted_us = steady_now_us();
  st.rollout = rollout_control{
      rollout_limits{st.job.rate_per_s, st.job.abort_threshold, st.job.abort_min_outcomes},
      clock_us(self)};
  auto n = st.job.commands.size();
  st.results.resize(n);
  st.have.assign(n, false);
  st.sent.assign(n, false);
  st.remaining = n;
  for (size_t i = 0; i < n; ++i) {
    st.results[i].esl = st.job.commands[i].esl;
    st.results[i].op = st.job.commands[i].op;
  }
  for (auto& e : so_far)
    record_outcome(self, e.index, e.report);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  if (role == job_role::standby) {
    watch_coordinator(self, std::move(coordinator));
  } else if (n == 0) {
    finish_job(self);
  } else {
    choose_standby(self);
  }
  return {
      [=](outcome_atom, uint32_t index, command_report& rep) {
        auto& st = self->state;
        if (st.handing_over) {
          pass_on(self, index, std::move(rep));
          return;
        }
        if (!st.publishing && st.role == job_role::coordinator &&
            rep.outcome.reason == outcome_reason::moved && index < st.have.size() &&
            !st.have[index] && st.dispatch->take(self, index, self->current_sender())) {
          // Its node stopped before running it: to the ESL's new owner
          // (or, once the job aborted, held back and ended `aborted`).
          st.dispatch->send(self, index, spec_of(st, index));
          st.ctx->metrics->jobs_redispatched.inc();
          if (st.rollout.aborted())
            abort_job(self);
          return;
        }
        if (st.publishing || st.role != job_role::coordinator ||
            !st.dispatch->take(self, index, self->current_sender()) ||
            !record_outcome(self, index, rep)) {
          log::get("intake")->debug("job '{}': stale outcome for commands[{}] ignored", st.job.job,
                                    index);
          return;
        }
        st.unreplicated.push_back(outcome_entry{index, std::move(rep)});
        if (st.remaining == 0)
          finish_job(self);
        else
          fill_window(self);
      },
      [=](outcome_atom, std::vector<outcome_entry>& batch) { take_replica(self, batch); },
      [=](done_atom, std::string& result) { standby_done(self, std::move(result)); },
      [=](standby_atom, const std::vector<uint32_t>& outstanding) {
        take_over(self, "handed the job over", outstanding);
        return true;
      },
      [=](standby_atom, leave_atom, const caf::actor& coordinator) {
        // Made after the coordinator stopped waiting: not its standby.
        auto& st = self->state;
        if (st.role == job_role::standby && st.peer == coordinator)
          quit_job(self);
      },
      [=](standby_atom, done_atom) { stop_awaiting_old(self); },
      [=](leave_atom) { leave(self); },
      [=](job_atom) { publish_receipt(self); },
      [=](flush_atom) { on_flush(self); },
      [=](job_atom, flush_atom) { publish_progress(self); },
      [=](retry_atom) { try_publish(self); },
      [=](submit_atom) { // the rate limit's wake-up
        auto& st = self->state;
        if (st.release_due_us != 0 && clock_us(self) < st.release_due_us)
          return; // an earlier wake-up was armed after this one
        st.release_due_us = 0;
        fill_window(self);
      },
  };
}

} // namespace shelfwire
