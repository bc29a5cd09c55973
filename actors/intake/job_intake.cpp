#include "actors/intake/job_intake.hpp"

#include <chrono>
#include <memory>

#include <caf/all.hpp>

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"
#include "runtime/mqtt/publisher.hpp"
#include "runtime/wire/jobs.hpp"

namespace shelfwire {

namespace {

using self_ptr = caf::stateful_actor<job_intake_state>*;

constexpr auto purge_interval = std::chrono::seconds{1};
/// How long after a membership change every member is asked about an
/// unknown job id (the ledgers of the change are on their way).
constexpr auto ledger_settle = std::chrono::milliseconds{5'000};

std::string result_topic(const job_intake_state& st, const std::string& job) {
  return st.ctx->opts.intake.topic_prefix + "/" + job + "/result";
}

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
    topic = result_topic(st, *job);
  } else {
    wire::job_rejection rej;
    rej.node = st.ctx->id.name;
    rej.error = error;
    rej.detail = detail;
    wire::encode(rej, payload);
    topic = st.ctx->opts.intake.topic_prefix + "/rejected";
  }
  auto now = steady_now_us();
  if (st.reject_log.allow(now))
    log::get("intake")->warn("rejected job '{}': {} {}", job.value_or("?"), error, detail);
  if (!st.reject_budget.take(now)) {
    // Bad input cannot make us publish one message per message: counted,
    // and summarised once the second is over (publish_reject_summary).
    st.ctx->metrics->jobs_rejections_suppressed.inc();
    return;
  }
  auto rc = st.ctx->egress->publish(topic, payload, 1);
  if (rc != mqtt::publish_errc::ok)
    log::get("intake")->error("could not publish the rejection of job '{}' on '{}': {}",
                              job.value_or("?"), topic, mqtt::to_string(rc));
}

/// After a second in which rejections were suppressed: one message on
/// {prefix}/rejected saying how many (and a log line). Called from the tick.
void publish_reject_summary(self_ptr self) {
  auto& st = self->state;
  auto n = st.reject_budget.take_summary(steady_now_us());
  if (n == 0)
    return;
  wire::job_rejection rej;
  rej.node = st.ctx->id.name;
  rej.error = "rate_limited";
  rej.detail = std::to_string(n) + " rejection" + (n == 1 ? "" : "s") +
               " not published (more than intake.rejections-per-s = " +
               std::to_string(st.reject_budget.per_second()) +
               " a second); all are counted in jobs.rejected";
  std::string payload;
  wire::encode(rej, payload);
  log::get("intake")->warn("{}", rej.detail);
  st.ctx->egress->publish(st.ctx->opts.intake.topic_prefix + "/rejected", payload, 1);
}

/// Decodes and checks a submission; rejects it (and returns nullopt) if bad.
std::optional<wire::job_submission> validate(self_ptr self, const std::string& payload) {
  auto& opts = self->state.ctx->opts.intake;
  if (static_cast<int64_t>(payload.size()) > opts.max_payload_bytes) {
    reject(self, wire::salvage_job_id(payload), "too_large",
           std::to_string(payload.size()) +
               " bytes, intake.max-payload-bytes = " + std::to_string(opts.max_payload_bytes));
    return std::nullopt;
  }
  wire::decode_limits lim;
  lim.max_bytes = static_cast<size_t>(opts.max_payload_bytes);
  lim.max_array = static_cast<size_t>(opts.max_commands_per_job);
  auto job = wire::decode_job(payload, lim);
  if (!job) {
    auto& e = job.error();
    if (e.code == wire::decode_errc::limit_exceeded && e.key == "commands")
      reject(self, wire::salvage_job_id(payload), "too_many_commands",
             "intake.max-commands-per-job = " + std::to_string(opts.max_commands_per_job));
    else
      reject(self, wire::salvage_job_id(payload), "malformed", e.to_string());
    return std::nullopt;
  }
  auto n = static_cast<int64_t>(job->commands.size());
  if (n > opts.max_commands_per_job) {
    reject(self, job->job, "too_many_commands",
           std::to_string(n) + " commands, intake.max-commands-per-job = " +
               std::to_string(opts.max_commands_per_job));
    return std::nullopt;
  }
  return std::move(*job);
}

void update_result_gauges(job_intake_state& st) {
  st.ctx->metrics->jobs_results_kept.set(static_cast<int64_t>(st.results.size()));
  st.ctx->metrics->jobs_results_kept_bytes.set(st.result_bytes);
}

void forget_result(job_intake_state& st, const std::string& id) {
  auto i = st.results.find(id);
  if (i == st.results.end())
    return;
  st.result_bytes -= static_cast<int64_t>(i->second.payload.size());
  st.results.erase(i);
}

/// Drops kept results that expired, then the oldest while over the byte cap.
void purge_results(job_intake_state& st, int64_t now_us) {
  auto cap = st.ctx->opts.intake.result_retention_max_bytes;
  while (!st.result_order.empty()) {
    auto& [expires, id] = st.result_order.front();
    auto i = st.results.find(id);
    bool current = i != st.results.end() && i->second.expires_us == expires;
    if (current && expires > now_us && st.result_bytes <= cap)
      break;
    if (current)
      forget_result(st, id);
    st.result_order.pop_front();
  }
  update_result_gauges(st);
}

void keep_result(job_intake_state& st, const std::string& id, std::string payload) {
  auto& opts = st.ctx->opts.intake;
  if (opts.result_retention_ms == 0 || payload.empty())
    return;
  forget_result(st, id);
  auto expires = steady_now_us() + opts.result_retention_ms * 1000;
  st.result_bytes += static_cast<int64_t>(payload.size());
  st.results[id] = job_intake_state::kept_result{std::move(payload), expires};
  st.result_order.emplace_back(expires, id);
  purge_results(st, steady_now_us());
}

/// Publishes a kept result again. False if there is none (or it expired).
bool result_again(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto i = st.results.find(id);
  if (i == st.results.end() || i->second.expires_us <= steady_now_us())
    return false;
  auto rc = st.ctx->egress->publish(result_topic(st, id), i->second.payload, 1);
  if (rc != mqtt::publish_errc::ok)
    log::get("intake")->warn("kept result of job '{}' not published again ({})", id,
                             mqtt::to_string(rc));
  st.ctx->metrics->jobs_results_again.inc();
  log::get("intake")->info("job '{}' was submitted again after it finished: result published "
                           "again",
                           id);
  return true;
}

/// Whether this node holds job `id`; if so its receipt or result goes out again.
/// 0: no; 1: live here (receipt again); 2: finished here (result again).
uint8_t answer_again(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (auto i = st.jobs.find(id); i != st.jobs.end()) {
    self->send(i->second.actor, job_atom_v);
    st.ctx->metrics->jobs_duplicate.inc();
    log::get("intake")->info("job '{}' was submitted again while it runs: receipt published "
                             "again",
                             id);
    return 1;
  }
  return result_again(self, id) ? 2 : 0;
}

void track(self_ptr self, const std::string& id, job_role role, caf::actor actor, uint64_t n) {
  auto& st = self->state;
  st.by_actor.emplace(actor.address(), id);
  st.jobs.emplace(id, job_intake_state::live_job{role, std::move(actor), n});
}

void accept(self_ptr self, wire::job_submission job, std::string payload) {
  auto& st = self->state;
  auto& opts = st.ctx->opts.intake;
  auto n = static_cast<int64_t>(job.commands.size());
  if (st.pending_commands + n > opts.max_pending_commands) {
    reject(self, job.job, "overloaded",
           std::to_string(st.pending_commands) + " commands pending, " +
               "intake.max-pending-commands = " + std::to_string(opts.max_pending_commands));
    return;
  }
  st.pending_commands += n;
  st.ctx->metrics->jobs_accepted.inc();
  st.ctx->metrics->jobs_in_flight.add(1);
  auto id = job.job;
  log::get("intake")->debug("job '{}' accepted: {} commands", id, n);
  auto coord = self->spawn<caf::monitored>(
      job_coordinator, st.ctx, caf::actor_cast<caf::actor>(self), std::move(job),
      std::move(payload), job_role::coordinator, caf::actor{}, std::vector<outcome_entry>{});
  track(self, id, job_role::coordinator, std::move(coord), static_cast<uint64_t>(n));
}

/// After a membership change: tells the new home of every id held here
/// (live or kept) that it is held here.
void hand_over_ledger(self_ptr self) {
  auto& st = self->state;
  auto view = st.ctx->cluster.get();
  if (view->epoch == st.view_epoch)
    return;
  st.view_epoch = view->epoch;
  std::unordered_map<caf::actor_addr, std::pair<caf::actor, std::vector<std::string>>> by_home;
  auto note = [&](const std::string& id) {
    auto order = view->job_order(id);
    if (order.empty() || order.front()->node() == st.ctx->local_node)
      return;
    auto& home = by_home[order.front()->intake.address()];
    home.first = order.front()->intake;
    home.second.push_back(id);
  };
  for (auto& [id, j] : st.jobs)
    note(id);
  for (auto& [id, r] : st.results)
    note(id);
  for (auto& [addr, home] : by_home)
    self->send(home.first, job_atom_v, caf::put_atom_v, std::move(home.second));
}

/// The members to ask whether they hold `id` before it is accepted here.
std::vector<caf::actor> holders_to_ask(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto now = steady_now_us();
  if (auto e = st.elsewhere.find(id); e != st.elsewhere.end() && e->second.second > now)
    return {e->second.first};
  // Right after a change the ledgers may still be on their way: ask everyone.
  auto view = st.ctx->cluster.get();
  std::vector<caf::actor> all;
  if (now - view->changed_us >= ledger_settle.count() * 1000)
    return all;
  for (auto& m : view->members)
    if (m.intake && m.node() != st.ctx->local_node)
      all.push_back(m.intake);
  return all;
}

/// This node is the job's home: run it unless the cluster holds it.
void at_home(self_ptr self, wire::job_submission job, std::string payload) {
  auto& st = self->state;
  hand_over_ledger(self);
  auto id = job.job;
  if (answer_again(self, id) != 0)
    return;
  if (st.leaving) { // forwarded here as we left: to the home of the moment
    auto order = st.ctx->cluster.get()->job_order(id, {st.ctx->local_node});
    if (!order.empty()) {
      self->send(order.front()->intake, job_atom_v, std::move(payload));
      return;
    }
  }
  if (st.looking_up.count(id)) {
    st.ctx->metrics->jobs_duplicate.inc();
    return; // the first copy is being looked up: its receipt answers both
  }
  auto others = holders_to_ask(self, id);
  if (others.empty()) {
    accept(self, std::move(job), std::move(payload));
    return;
  }
  // Another member may hold it (it was home before a membership change).
  st.looking_up.emplace(id, std::move(payload));
  auto left = std::make_shared<size_t>(others.size());
  auto held = std::make_shared<bool>(false);
  auto spec = std::make_shared<wire::job_submission>(std::move(job));
  auto answered = [=](bool holds) {
    *held = *held || holds;
    if (--*left > 0)
      return;
    auto& st = self->state;
    auto i = st.looking_up.find(id);
    if (i == st.looking_up.end())
      return;
    auto submission = std::move(i->second);
    st.looking_up.erase(i);
    if (*held) {
      st.ctx->metrics->jobs_duplicate.inc();
      return; // that member published the receipt or result again
    }
    accept(self, std::move(*spec), std::move(submission));
  };
  auto timeout = std::chrono::milliseconds{st.ctx->opts.intake.standby_timeout_ms};
  for (auto& other : others)
    self->request(other, timeout, job_atom_v, caf::get_atom_v, id)
        .then([=](uint8_t r) { answered(r != 0); }, [=](caf::error&) { answered(false); });
}

/// Takes a standby copy of another member's job.
caf::result<caf::actor> hold_copy(self_ptr self, std::string& payload, caf::actor& coordinator,
                                  std::vector<outcome_entry>& so_far) {
  auto& st = self->state;
  if (st.leaving)
    return caf::make_error(caf::sec::request_receiver_down, "leaving the cluster");
  auto job = validate(self, payload);
  if (!job)
    return caf::make_error(caf::sec::invalid_argument, "bad submission");
  auto id = job->job;
  if (auto i = st.jobs.find(id); i != st.jobs.end()) {
    if (i->second.role == job_role::standby)
      return i->second.actor;
    return caf::make_error(caf::sec::invalid_argument, "coordinated here");
  }
  auto n = static_cast<uint64_t>(job->commands.size());
  auto copy = self->spawn<caf::monitored>(
      job_coordinator, st.ctx, caf::actor_cast<caf::actor>(self), std::move(*job),
      std::move(payload), job_role::standby, std::move(coordinator), std::move(so_far));
  track(self, id, job_role::standby, copy, n);
  st.ctx->metrics->jobs_standby.add(1);
  return copy;
}

/// A job ended here (result out, handed over, or its actor died).
void untrack(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  st.by_actor.erase(i->second.actor.address());
  if (i->second.role == job_role::coordinator) {
    st.pending_commands -= static_cast<int64_t>(i->second.commands);
    st.ctx->metrics->jobs_in_flight.add(-1);
  } else {
    st.ctx->metrics->jobs_standby.add(-1);
  }
  st.jobs.erase(i);
}

} // namespace

caf::behavior job_intake(self_ptr self, node_context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  self->state.reject_budget = publish_budget{self->state.ctx->opts.intake.rejections_per_s};
  // On shutdown the jobs' actors go too (a coordinator's standby takes over).
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& [id, j] : self->state.jobs)
      self->send_exit(j.actor, em.reason);
    self->quit(em.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.by_actor.find(dm.source);
    if (i == st.by_actor.end())
      return;
    auto id = i->second;
    auto j = st.jobs.find(id);
    if (j != st.jobs.end() && j->second.role == job_role::coordinator)
      log::get("intake")->error("job '{}': its coordinator stopped ({}) before publishing the "
                                "result; its standby, if any, takes over",
                                id, self->system().render(dm.reason));
    untrack(self, id);
  });
  self->delayed_send(self, purge_interval, flush_atom_v);
  return {
      [=](mqtt_inbound& m) {
        auto& st = self->state;
        st.ctx->metrics->jobs_received.inc();
        auto job = validate(self, m.payload);
        if (!job)
          return;
        auto order = st.ctx->cluster.get()->job_order(job->job);
        if (!order.empty() && order.front()->node() != st.ctx->local_node) {
          st.ctx->metrics->jobs_forwarded.inc();
          self->send(order.front()->intake, job_atom_v, std::move(m.payload));
          return;
        }
        at_home(self, std::move(*job), std::move(m.payload));
      },
      [=](job_atom, std::string& payload) {
        if (auto job = validate(self, payload))
          at_home(self, std::move(*job), std::move(payload));
      },
      [=](job_atom, caf::get_atom, const std::string& id) { return answer_again(self, id); },
      [=](standby_atom, std::string& payload, caf::actor& coordinator,
          std::vector<outcome_entry>& so_far) {
        return hold_copy(self, payload, coordinator, so_far);
      },
      [=](standby_atom, const std::string& id) {
        // A standby here took its job over: it is coordinated here now.
        auto& st = self->state;
        auto i = st.jobs.find(id);
        if (i == st.jobs.end() || i->second.role != job_role::standby)
          return;
        i->second.role = job_role::coordinator;
        st.ctx->metrics->jobs_standby.add(-1);
        st.ctx->metrics->jobs_in_flight.add(1);
        st.pending_commands += static_cast<int64_t>(i->second.commands);
      },
      [=](leave_atom, const std::string& id) { untrack(self, id); }, // handed over
      [=](standby_atom, leave_atom, const std::string& id, const caf::actor& coordinator) {
        // A coordinator stopped waiting for this node to take a copy.
        auto& st = self->state;
        auto i = st.jobs.find(id);
        if (i != st.jobs.end() && i->second.role == job_role::standby)
          self->send(i->second.actor, standby_atom_v, leave_atom_v, coordinator);
      },
      [=](done_atom, const std::string& id, std::string& result) {
        // A leaving member's kept result: this node is the job's home now.
        if (!self->state.jobs.count(id))
          keep_result(self->state, id, std::move(result));
      },
      [=](done_atom, const std::string& id, uint64_t, std::string& result) {
        untrack(self, id);
        keep_result(self->state, id, std::move(result));
      },
      [=](leave_atom) {
        // The node leaves: coordinators hand their jobs to their standbys,
        // standbys let their coordinators pick others.
        auto& st = self->state;
        st.leaving = true;
        // Kept results go to their new homes, so resubmissions still get them.
        auto view = st.ctx->cluster.get();
        for (auto& [id, r] : st.results) {
          auto order = view->job_order(id, {st.ctx->local_node});
          if (!order.empty())
            self->send(order.front()->intake, done_atom_v, id, r.payload);
        }
        uint64_t n = 0;
        for (auto& [id, j] : st.jobs) {
          self->send(j.actor, leave_atom_v);
          n += j.role == job_role::coordinator ? 1 : 0;
        }
        return n;
      },
      [=](job_atom, caf::put_atom, const std::vector<std::string>& ids) {
        auto& st = self->state;
        auto holder = caf::actor_cast<caf::actor>(self->current_sender());
        auto until = steady_now_us() + st.ctx->opts.intake.result_retention_ms * 1000;
        for (auto& id : ids)
          st.elsewhere[id] = std::make_pair(holder, until);
      },
      [=](flush_atom) {
        auto& st = self->state;
        hand_over_ledger(self);
        publish_reject_summary(self);
        auto now = steady_now_us();
        if (st.ctx->opts.intake.progress_interval_ms > 0)
          for (auto& [id, j] : st.jobs)
            if (j.role == job_role::coordinator)
              self->send(j.actor, job_atom_v, flush_atom_v);
        for (auto i = st.elsewhere.begin(); i != st.elsewhere.end();)
          i = i->second.second <= now ? st.elsewhere.erase(i) : std::next(i);
        purge_results(st, now);
        self->delayed_send(self, purge_interval, flush_atom_v);
      },
      [=](caf::get_atom) {
        uint64_t n = 0;
        for (auto& [id, j] : self->state.jobs)
          n += j.role == job_role::coordinator ? 1 : 0;
        return n;
      },
  };
}

} // namespace shelfwire
