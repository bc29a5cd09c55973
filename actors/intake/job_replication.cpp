#include "actors/intake/job_replication.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/wire/job_notices.hpp"

namespace shelfwire {

namespace {

std::chrono::milliseconds ms(int64_t v) {
  return std::chrono::milliseconds{v};
}

/// Every outcome recorded so far, as a standby is sent them.
std::vector<outcome_entry> outcomes_so_far(const job_coordinator_state& st) {
  std::vector<outcome_entry> out;
  for (size_t i = 0; i < st.have.size(); ++i) {
    if (!st.have[i])
      continue;
    auto& r = st.results[i];
    outcome_entry e;
    e.index = static_cast<uint32_t>(i);
    e.report.esl = r.esl;
    e.report.latency_us = static_cast<int64_t>(r.latency_us);
    auto& o = e.report.outcome;
    o.status = r.status;
    o.code = r.code;
    o.has_gw = r.gw.has_value();
    if (r.gw)
      o.gw = *r.gw;
    o.attempts = r.attempts;
    o.reason = r.reason;
    o.backbone_us = r.backbone_us ? static_cast<int64_t>(*r.backbone_us) : -1;
    out.push_back(std::move(e));
  }
  return out;
}

/// Arms the replication tick while there is a standby. (Progress is the
/// intake's tick: no timer per job in a cluster of one.)
void arm_timer(job_self self) {
  auto& st = self->state;
  if (!st.peer)
    return;
  auto every = st.ctx->opts.intake.replication_interval_ms;
  auto due = steady_now_us() + every * 1000;
  if (st.timer_due_us != 0 && st.timer_due_us <= due)
    return;
  st.timer_due_us = due;
  self->delayed_send(self, ms(every), flush_atom_v);
}

/// Commands go out; the receipt too if it has not yet.
void start_dispatching(job_self self) {
  auto& st = self->state;
  if (!st.receipt_published)
    publish_receipt(self);
  if (st.dispatching)
    return;
  st.dispatching = true;
  st.last_progress_us = steady_now_us();
  arm_timer(self);
  fill_window(self);
}

/// Asks every shard of every member to report the commands it holds for
/// the old coordinator to this one; adopts them (also ones awaited from a
/// handover). Calls `done` once every shard answered or timed out.
void rebind_shards(job_self self, std::function<void()> done) {
  auto& st = self->state;
  auto view = st.ctx->cluster.get();
  auto me = caf::actor_cast<caf::actor>(self);
  auto left = std::make_shared<size_t>(1); // released below, after every request went out
  auto one = [=] {
    if (--*left == 0)
      done();
  };
  for (auto& m : view->members) {
    for (auto& shard : m.shards) {
      ++*left;
      self->request(shard, ms(st.ctx->opts.intake.standby_timeout_ms), rebind_atom_v, st.old_id,
                    st.old_node, me)
          .then(
              [=](std::vector<uint32_t>& held) {
                auto& st = self->state;
                for (auto i : held) {
                  if (i >= st.sent.size() || st.have[i])
                    continue;
                  if (st.sent[i] && st.awaiting_old.erase(i) == 0)
                    continue; // adopted already
                  st.sent[i] = true;
                  st.dispatch->adopt(self, i, spec_of(st, i), shard);
                  st.ctx->metrics->jobs_adopted.inc();
                }
                one();
              },
              [=](caf::error&) { one(); });
    }
  }
  one();
}

/// After a takeover's rebinds are answered: send what no shard holds.
void rebinds_answered(job_self self) {
  auto& st = self->state;
  size_t held = 0;
  for (size_t i = 0; i < st.sent.size(); ++i)
    held += st.sent[i] && !st.have[i] ? 1 : 0;
  st.ctx->metrics->jobs_takeover_us.record(
      static_cast<uint64_t>(steady_now_us() - st.takeover_started_us));
  log::get("intake")->warn("job '{}': took over with {} of {} outcomes; {} commands still held "
                           "by shards, {} to send again",
                           st.job.job, st.have.size() - st.remaining, st.have.size(), held,
                           st.remaining - held);
  // A handover: commands the old coordinator had out that no shard holds
  // any more finished just before the rebind, and their outcomes are on the
  // way to it (it passes them on). Wait for those a while before sending
  // them again.
  for (auto it = st.awaiting_old.begin(); it != st.awaiting_old.end();) {
    if (st.have[*it] || st.sent[*it]) { // in, or adopted from a shard
      it = st.awaiting_old.erase(it);
      continue;
    }
    st.sent[*it] = true; // not to be sent while awaited
    ++it;
  }
  if (!st.awaiting_old.empty())
    self->delayed_send(self, ms(st.ctx->opts.intake.standby_timeout_ms), standby_atom_v,
                       done_atom_v);
  if (st.remaining == 0) {
    finish_job(self);
    return;
  }
  start_dispatching(self);
  choose_standby(self);
}

} // namespace

void publish_receipt(job_self self) {
  auto& st = self->state;
  wire::job_receipt r;
  r.job = st.job.job;
  r.commands = st.job.commands.size();
  if (st.role == job_role::coordinator) {
    r.node = st.ctx->id.name;
    r.standby = st.peer_name;
  } else {
    r.node = st.peer_name;
    r.standby = st.ctx->id.name;
  }
  std::string payload;
  wire::encode(r, payload);
  auto rc = st.ctx->egress->publish(job_topic(st, "accepted"), payload, 1);
  if (rc != mqtt::publish_errc::ok) {
    log::get("intake")->warn("receipt of job '{}' not published ({}): its producer will resubmit",
                             st.job.job, mqtt::to_string(rc));
    return;
  }
  st.receipt_published = true;
  st.ctx->metrics->jobs_receipts.inc();
}

void choose_standby(job_self self) {
  auto& st = self->state;
  if (st.publishing)
    return;
  if (!st.ctx->opts.intake.replication) {
    start_dispatching(self);
    return;
  }
  auto view = st.ctx->cluster.get();
  auto exclude = st.passed_over;
  exclude.push_back(st.ctx->local_node);
  auto order = view->job_order(st.job.job, exclude);
  if (order.empty()) {
    st.peer_name.clear();
    if (!st.receipt_published) {
      st.ctx->metrics->jobs_no_standby.inc();
      log::get("intake")->info("job '{}': no other member to hold a copy: runs without a standby",
                               st.job.job);
    } else {
      log::get("intake")->warn("job '{}': no member left to hold a copy: runs without a standby",
                               st.job.job);
    }
    start_dispatching(self);
    return;
  }
  auto& m = *order.front();
  auto name = m.name;
  auto node = m.node();
  auto intake = m.intake;
  auto so_far = outcomes_so_far(st);
  st.unreplicated.clear(); // in so_far
  self->request(m.intake, ms(st.ctx->opts.intake.standby_timeout_ms), standby_atom_v, st.submission,
                caf::actor_cast<caf::actor>(self), std::move(so_far))
      .then(
          [=](caf::actor& standby) {
            auto& st = self->state;
            if (!standby) // it would not: try the next one
              return;
            self->monitor(standby);
            st.peer = std::move(standby);
            st.peer_name = name;
            replicate_outcomes(self);
            arm_timer(self);
            start_dispatching(self);
            if (st.leave_requested)
              hand_over(self); // this node leaves: the job goes to its new standby
          },
          [=](caf::error& e) {
            auto& st = self->state;
            log::get("intake")->warn("job '{}': member '{}' did not take the standby role ({}): "
                                     "asking the next",
                                     st.job.job, name, self->system().render(e));
            st.passed_over.push_back(node);
            // If it made a copy after all, the copy must not take over.
            self->send(intake, standby_atom_v, leave_atom_v, st.job.job,
                       caf::actor_cast<caf::actor>(self));
            choose_standby(self);
          });
}

void watch_coordinator(job_self self, caf::actor coordinator) {
  auto& st = self->state;
  auto view = st.ctx->cluster.get();
  if (auto m = view->by_node(coordinator.node()))
    st.peer_name = m->name;
  self->monitor(coordinator);
  st.peer = std::move(coordinator);
}

void replicate_outcomes(job_self self) {
  auto& st = self->state;
  if (st.role != job_role::coordinator || !st.peer || st.unreplicated.empty())
    return;
  self->send(st.peer, outcome_atom_v, std::move(st.unreplicated));
  st.unreplicated.clear();
  st.ctx->metrics->jobs_replicated.inc();
}

void take_replica(job_self self, const std::vector<outcome_entry>& batch) {
  auto& st = self->state;
  // A standby's batch, or outcomes a coordinator that handed the job over
  // passes on (taken while awaited).
  bool coordinating = st.role == job_role::coordinator;
  if (coordinating && st.publishing)
    return;
  if (st.handing_over) { // handed on again: what the previous one passes on goes on too
    std::vector<outcome_entry> on;
    for (auto& e : batch)
      if (e.report.outcome.reason != outcome_reason::moved &&
          record_outcome(self, e.index, e.report))
        on.push_back(e);
    if (st.peer && !on.empty())
      self->send(st.peer, outcome_atom_v, std::move(on));
    return;
  }
  for (auto& e : batch) {
    if (e.report.outcome.reason == outcome_reason::moved)
      continue;
    if (coordinating && st.awaiting_old.erase(e.index) == 0)
      continue;
    if (record_outcome(self, e.index, e.report) && coordinating)
      st.unreplicated.push_back(e);
  }
  if (!coordinating || !st.dispatching)
    return;
  if (st.remaining == 0)
    finish_job(self);
  else
    fill_window(self);
}

void stop_awaiting_old(job_self self) {
  auto& st = self->state;
  if (st.handing_over || st.awaiting_old.empty())
    return; // handed on (the list went with the job), or all in
  // Commands that were on their way to a shard at the first rebind are
  // there now: rebind again, and send only what nobody holds.
  rebind_shards(self, [=] { resend_awaited(self); });
}

void resend_awaited(job_self self) {
  auto& st = self->state;
  if (st.handing_over || st.publishing)
    return;
  size_t again = 0;
  for (auto i : st.awaiting_old)
    if (!st.have[i]) {
      st.sent[i] = false;
      ++again;
    }
  st.awaiting_old.clear();
  if (again == 0)
    return;
  log::get("intake")->warn("job '{}': {} outcomes never came from the coordinator that handed "
                           "the job over: sending those commands again",
                           st.job.job, again);
  st.next = 0;
  fill_window(self);
}

void standby_done(job_self self, std::string result) {
  auto& st = self->state;
  if (st.role != job_role::standby)
    return;
  self->send(st.intake, done_atom_v, st.job.job, static_cast<uint64_t>(st.job.commands.size()),
             std::move(result));
  quit_job(self);
}

void take_over(job_self self, const char* why, const std::vector<uint32_t>& outstanding) {
  auto& st = self->state;
  if (st.role != job_role::standby)
    return;
  for (auto i : outstanding)
    if (i < st.have.size() && !st.have[i])
      st.awaiting_old.insert(i);
  auto old = std::move(st.peer);
  st.peer = caf::actor{};
  st.role = job_role::coordinator;
  st.receipt_published = true; // the old coordinator's receipt stands
  st.takeover_started_us = steady_now_us();
  if (old)
    st.passed_over.push_back(old.node());
  st.ctx->metrics->jobs_taken_over.inc();
  log::get("intake")->warn("job '{}': coordinator '{}' {}: taking the job over", st.job.job,
                           st.peer_name, why);
  st.peer_name.clear();
  self->send(st.intake, standby_atom_v, st.job.job);
  if (st.remaining == 0) {
    finish_job(self);
    return;
  }
  // Commands that shards still run for the old coordinator report to us.
  if (!old) {
    rebinds_answered(self);
    return;
  }
  st.old_id = old.id();
  st.old_node = old.node();
  rebind_shards(self, [=] { rebinds_answered(self); });
}

void leave(job_self self) {
  auto& st = self->state;
  if (st.handed_over) { // the grace period after a handover is over
    quit_job(self);
    return;
  }
  if (st.role == job_role::standby) {
    quit_job(self); // the coordinator picks another
    return;
  }
  st.leave_requested = true;
  if (st.peer && !st.publishing && !st.handing_over)
    hand_over(self);
  // Else: done already, handing over, or a standby is being chosen (handed
  // over once it holds the job), or nobody can hold it: finish here.
}

void hand_over(job_self self) {
  auto& st = self->state;
  replicate_outcomes(self);
  auto outstanding = st.dispatch->transmitted();
  outstanding.insert(outstanding.end(), st.awaiting_old.begin(), st.awaiting_old.end());
  st.awaiting_old.clear();
  // From here on nothing is sent (not even what an outcome passed on would
  // release behind it: the new coordinator sends that); outcomes go on to
  // the standby (pass_on).
  st.handing_over = true;
  st.dispatch->stop_sending();
  auto peer = st.peer;
  self->request(peer, ms(st.ctx->opts.intake.standby_timeout_ms), standby_atom_v, outstanding)
      .then(
          [=](bool) {
            auto& st = self->state;
            self->send(st.intake, leave_atom_v, st.job.job);
            st.ctx->metrics->jobs_handed_over.inc();
            log::get("intake")->info("job '{}': handed over to '{}' ({} of {} outcomes in)",
                                     st.job.job, st.peer_name, st.have.size() - st.remaining,
                                     st.have.size());
            // Stay a little: outcomes that shards send here before the new
            // coordinator rebinds them are passed on; it waits for them as long.
            st.handed_over = true;
            self->delayed_send(self, ms(2 * st.ctx->opts.intake.standby_timeout_ms), leave_atom_v);
          },
          [=](caf::error& e) {
            // The standby is gone: coordinate on, with another one.
            auto& st = self->state;
            log::get("intake")->warn("job '{}': standby '{}' did not take the job over ({}): "
                                     "choosing another",
                                     st.job.job, st.peer_name, self->system().render(e));
            st.handing_over = false;
            if (!st.rollout.aborted())
              st.dispatch->resume_sending(self);
            st.passed_over.push_back(peer.node());
            self->demonitor(peer);
            st.peer = caf::actor{};
            st.peer_name.clear();
            if (st.remaining == 0) {
              finish_job(self);
              return;
            }
            fill_window(self);
            choose_standby(self);
          });
}

void pass_on(job_self self, uint32_t index, command_report rep) {
  auto& st = self->state;
  if (rep.outcome.reason == outcome_reason::moved)
    return; // not run: the new coordinator sends it (not held by any shard now)
  st.dispatch->take(self, index, self->current_sender());
  if (!st.peer || !record_outcome(self, index, rep))
    return;
  self->send(st.peer, outcome_atom_v,
             std::vector<outcome_entry>{outcome_entry{index, std::move(rep)}});
}

void on_flush(job_self self) {
  auto& st = self->state;
  auto now = steady_now_us();
  if (st.role != job_role::coordinator || st.publishing || st.handing_over || now < st.timer_due_us)
    return; // done, or a tick superseded by an earlier one
  st.timer_due_us = 0;
  replicate_outcomes(self);
  arm_timer(self);
}

void publish_progress(job_self self) {
  auto& st = self->state;
  if (st.role != job_role::coordinator || !st.dispatching || st.publishing || st.handing_over)
    return;
  auto every = st.ctx->opts.intake.progress_interval_ms;
  auto now = steady_now_us();
  if (every > 0 && now - st.last_progress_us >= every * 1000) {
    st.last_progress_us = now;
    wire::job_progress p;
    p.job = st.job.job;
    p.node = st.ctx->id.name;
    p.total = st.have.size();
    p.done = p.total - st.remaining;
    std::string payload;
    wire::encode(p, payload);
    st.ctx->egress->publish(job_topic(st, "progress"), payload, 0);
  }
}

void on_down(job_self self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (st.handed_over)
    return; // the job is the new coordinator's: it sends what was lost
  if (st.peer && dm.source == st.peer.address()) {
    if (st.handing_over)
      return; // the handover request fails: handled there
    if (st.role == job_role::coordinator) {
      log::get("intake")->warn("job '{}': standby '{}' is gone ({}): choosing another", st.job.job,
                               st.peer_name, self->system().render(dm.reason));
      st.passed_over.push_back(dm.source.node());
      st.peer = caf::actor{};
      st.peer_name.clear();
      choose_standby(self);
    } else if (dm.reason == caf::exit_reason::normal) {
      quit_job(self); // it finished (its result is out) or never needed us
    } else {
      take_over(self, ("is gone (" + self->system().render(dm.reason) + ")").c_str(), {});
    }
    return;
  }
  if (st.role != job_role::coordinator)
    return;
  auto n = st.dispatch->redispatch(self, dm);
  if (n > 0)
    log::get("intake")->warn("job '{}': {} commands were held by a node that is gone ({}): "
                             "sent them to their new owners",
                             st.job.job, n, self->system().render(dm.reason));
  fill_window(self);
}

} // namespace shelfwire
