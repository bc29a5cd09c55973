// Jobs survive the loss of any one node (docs/northbound.md, "Receipts,
// standbys and takeover"): three real node processes, every one taking
// submissions, gateways answering after about a second so that a job is in
// flight when a node is killed or stopped; and resubmissions never run a
// command twice.

#include <algorithm>
#include <cstdio>
#include <set>

#include "tests/integration/cluster/cluster_support.hpp"

using namespace shelfwire;
using namespace shelfwire::testing;

namespace {

const std::vector<std::string> abc = {"a", "b", "c"};

/// Gateways answering in 0.8..1.2 s.
sim::gateway_behavior second_gateways() {
  sim::gateway_behavior b;
  b.reply_delay_ms = 800;
  b.reply_jitter_ms = 400;
  return b;
}

/// Three members, all taking submissions, and a store of `esls` ESLs on 8
/// gateways (converged) answering after `behavior`.
void start_cluster(cluster_env& env, size_t esls, const sim::gateway_behavior& behavior,
                   const std::string& extra = {}) {
  env.connect_clients();
  // A stopped node finishes what its shards run (gateways answer within
  // 1.2 s): commands it hands back unfinished may reach a label twice
  // (docs/northbound.md), which the tests below count.
  auto drain = [](node_settings& s) { s.drain_timeout_ms = 10'000; };
  env.start_member("a", "", true, extra, drain);
  env.start_member("b", env.endpoint("a"), true, extra, drain);
  env.start_member("c", env.endpoint("b"), true, extra, drain);
  for (auto& n : abc)
    REQUIRE(env.wait_member_ready(n));
  REQUIRE(env.wait_members(abc, 3));
  env.start_emulator(8, esls);
  env.emu->set_behavior_all(behavior);
  REQUIRE(env.wait_converged_all(abc));
}

std::vector<std::string> without(const std::vector<std::string>& names,
                                 const std::vector<std::string>& gone) {
  std::vector<std::string> out;
  for (auto& n : names)
    if (std::find(gone.begin(), gone.end(), n) == gone.end())
      out.push_back(n);
  return out;
}

/// Every command of the result has its own outcome, in order, all acked.
void check_all_acked(const wire::job_submission& job, const wire::job_result& r) {
  REQUIRE(r.outcomes.size() == job.commands.size());
  size_t acked = 0;
  bool in_order = true;
  std::string others; // the first few that were not acked, for the failure message
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    auto& o = r.outcomes[i];
    acked += o.status == outcome_status::acked;
    in_order = in_order && o.esl == job.commands[i].esl;
    if (o.status != outcome_status::acked && others.size() < 400)
      others +=
          std::to_string(i) + ": " + std::string{to_string(o.status)} + " (" + o.reason + ") ";
  }
  INFO("not acked: " << others);
  CHECK(in_order);
  CHECK(acked == job.commands.size());
}

/// ESLs of `job` whose gateways received more than one action.
size_t esls_sent_twice(const cluster_env& env, const wire::job_submission& job) {
  size_t n = 0;
  for (auto& c : job.commands)
    n += env.emu->actions_for(c.esl) > 1;
  return n;
}

/// Commands (one per ESL) that ran twice: their gateways received more
/// actions than the outcome's attempts. A command retried after a lost reply
/// (a stopped node's shared-subscription session loses what the broker had
/// handed it) reports its attempts and is not counted.
size_t commands_run_twice(const cluster_env& env, const wire::job_submission& job,
                          const wire::job_result& r) {
  size_t n = 0;
  for (size_t i = 0; i < job.commands.size() && i < r.outcomes.size(); ++i)
    n += env.emu->actions_for(job.commands[i].esl) > r.outcomes[i].attempts;
  return n;
}

} // namespace

TEST_CASE("kill -9 the coordinator mid-job: its standby takes over and publishes one result",
          "[cluster][failover]") {
  cluster_env env;
  start_cluster(env, 10'000, second_gateways());
  auto job = sim::make_job("failover-coordinator", esls_of(env.store), 10'000);
  REQUIRE(env.producer->submit(job));
  auto receipt = env.producer->wait_receipt(job.job, 30s);
  REQUIRE(receipt);
  REQUIRE(receipt->commands == 10'000);
  REQUIRE(receipt->standby != "");
  REQUIRE(receipt->standby != receipt->node);
  REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= 3'000; }, 60s));
  auto t_kill = std::chrono::steady_clock::now();
  env.members.at(receipt->node).proc.signal(SIGKILL);
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  auto survivors = without(abc, {receipt->node});
  auto took_over = env.metric(receipt->standby, "jobs.taken_over");
  std::printf("[failover] coordinator '%s' killed: result from '%s' after %lld ms; %lld commands "
              "adopted from shards, %zu ESLs got a second action\n",
              receipt->node.c_str(), r->node.c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t_kill)
                                         .count()),
              static_cast<long long>(env.metric(receipt->standby, "jobs.adopted_commands")),
              esls_sent_twice(env, job));
  CHECK(r->node == receipt->standby);
  CHECK(took_over == 1);
  check_all_acked(job, *r);
  CHECK(env.metric(receipt->standby, "jobs.adopted_commands") > 0);
  // Exactly one result, also after a while.
  CHECK_FALSE(env.producer->wait_results_of(job.job, 2, 2s));
  CHECK(env.producer->duplicate_results() == 0);
  for (auto& n : survivors)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("kill -9 the standby mid-job: the coordinator picks another and finishes",
          "[cluster][failover]") {
  cluster_env env;
  start_cluster(env, 3'000, second_gateways());
  auto job = sim::make_job("failover-standby", esls_of(env.store), 3'000);
  REQUIRE(env.producer->submit(job));
  auto receipt = env.producer->wait_receipt(job.job, 30s);
  REQUIRE(receipt);
  REQUIRE(receipt->standby != "");
  REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= 1'000; }, 60s));
  env.members.at(receipt->standby).proc.signal(SIGKILL);
  auto survivors = without(abc, {receipt->standby});
  auto third = without(survivors, {receipt->node}).front();
  // The third member holds the copy now.
  CHECK(wait_until([&] { return env.metric(third, "jobs.standby") == 1; }, 30s));
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  CHECK(r->node == receipt->node);
  check_all_acked(job, *r);
  // The coordinator never went away: only the commands the dead node's
  // shards ran were sent again (to their new owners), at most its share of
  // the dispatch window.
  auto twice = esls_sent_twice(env, job);
  std::printf("[failover] standby '%s' killed: %zu ESLs got a second action\n",
              receipt->standby.c_str(), twice);
  CHECK(twice <= 1'000);
  // The third member let go of its copy once the result was out.
  CHECK(wait_until([&] { return env.metric(third, "jobs.standby") == 0; }, 10s));
  for (auto& n : survivors)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("kill -9 coordinator and standby: the job is lost; resubmitted, it completes",
          "[cluster][failover]") {
  cluster_env env;
  start_cluster(env, 3'000, second_gateways());
  auto job = sim::make_job("failover-both", esls_of(env.store), 3'000);
  REQUIRE(env.producer->submit(job));
  auto receipt = env.producer->wait_receipt(job.job, 30s);
  REQUIRE(receipt);
  REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= 500; }, 60s));
  env.members.at(receipt->node).proc.signal(SIGKILL);
  env.members.at(receipt->standby).proc.signal(SIGKILL);
  auto last = without(abc, {receipt->node, receipt->standby}).front();
  REQUIRE(env.wait_members({last}, 1));
  // The producer sees no result (docs: two failures at once lose the
  // progress), so it resubmits the same job: a single member runs it again.
  REQUIRE(env.producer->submit(job));
  auto again = env.producer->wait_receipt(job.job, 30s, 2);
  REQUIRE(again);
  CHECK(again->node == last);
  CHECK(again->standby == ""); // a cluster of one says so
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  check_all_acked(job, *r);
  check_clean_exit(env.members.at(last));
}

TEST_CASE("resubmitting a live job and a finished one never runs a command twice; the same job "
          "published twice at once runs once",
          "[cluster][idempotence]") {
  cluster_env env;
  sim::gateway_behavior quick;
  quick.reply_delay_ms = 300;
  quick.reply_jitter_ms = 100;
  start_cluster(env, 2'000, quick);
  auto job = sim::make_job("resubmit", esls_of(env.store), 2'000);

  // Twice at once: the submissions reach different members (shared
  // subscription), which both send them to the job's home.
  REQUIRE(env.producer->submit(job));
  REQUIRE(env.producer->submit(job));
  REQUIRE(env.producer->wait_receipt(job.job, 30s));
  // While it runs: the receipt again, nothing else.
  REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= 200; }, 60s));
  auto before = env.producer->receipts(job.job);
  REQUIRE(env.producer->submit(job));
  CHECK(env.producer->wait_receipt(job.job, 30s, before + 1));
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  check_all_acked(job, *r);
  CHECK(env.producer->dead_letters(job.job) == 0);

  // Finished: the kept result again, no new actions.
  auto actions = env.reg.get_counter("emu.actions").value();
  REQUIRE(env.producer->submit(job));
  REQUIRE(env.producer->wait_results_of(job.job, 2, 30s));
  CHECK(env.reg.get_counter("emu.actions").value() == actions);
  CHECK(esls_sent_twice(env, job) == 0);
  CHECK(env.reg.get_counter("emu.actions").value() == 2'000);
  CHECK(wait_until([&] { return env.sum(abc, "jobs.results_again") == 1; }, 10s));
  CHECK(env.sum(abc, "jobs.accepted") == 1);
  for (auto& n : abc)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("commands that end other than acked are published as dead letters",
          "[cluster][dead-letters]") {
  cluster_env env;
  sim::gateway_behavior nacking;
  nacking.nack_rate = 1.0;
  nacking.nack_code = 7; // not retried: each command ends nacked at its first answer
  start_cluster(env, 200, nacking);
  auto job = sim::make_job("dead-letters", esls_of(env.store), 200);
  REQUIRE(env.producer->submit(job));
  auto r = env.producer->wait_result(job.job, 60s);
  REQUIRE(r);
  REQUIRE(r->outcomes.size() == 200);
  CHECK(count_status(*r, outcome_status::acked) == 0);
  CHECK(wait_until([&] { return env.producer->dead_letters(job.job) == 200; }, 10s));
  for (auto& n : abc)
    check_clean_exit(env.members.at(n));
}

TEST_CASE("SIGTERM on the coordinator mid-job hands the job to its standby: one result",
          "[cluster][failover][rolling]") {
  cluster_env env;
  start_cluster(env, 4'000, second_gateways());
  auto job = sim::make_job("handover", esls_of(env.store), 4'000);
  REQUIRE(env.producer->submit(job));
  auto receipt = env.producer->wait_receipt(job.job, 30s);
  REQUIRE(receipt);
  REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= 1'500; }, 60s));
  auto& coordinator = env.members.at(receipt->node);
  CHECK(signal_and_wait(coordinator.proc, SIGTERM, 30s) == 0);
  auto r = env.producer->wait_result(job.job, 120s);
  REQUIRE(r);
  CHECK(r->node == receipt->standby);
  check_all_acked(job, *r);
  CHECK(env.metric(receipt->standby, "jobs.taken_over") == 1);
  // Handed over, not killed: the commands our shards ran reported to the
  // new coordinator, so none ran twice.
  std::printf("[failover] SIGTERM on the coordinator: %zu commands ran twice, %zu ESLs got a "
              "second action (retries after a lost reply included)\n",
              commands_run_twice(env, job, *r), esls_sent_twice(env, job));
  CHECK(commands_run_twice(env, job, *r) == 0);
  CHECK_FALSE(env.producer->wait_results_of(job.job, 2, 2s));
  for (auto& n : without(abc, {receipt->node}))
    check_clean_exit(env.members.at(n));
}

TEST_CASE("a rolling restart of all three nodes mid-job loses no command: one result",
          "[cluster][failover][rolling]") {
  cluster_env env;
  start_cluster(env, 6'000, second_gateways());
  auto job = sim::make_job("rolling", esls_of(env.store), 6'000);
  REQUIRE(env.producer->submit(job));
  REQUIRE(env.producer->wait_receipt(job.job, 30s));
  uint64_t actions = 1'000;
  for (auto& n : abc) {
    REQUIRE(wait_until([&] { return env.reg.get_counter("emu.actions").value() >= actions; }, 60s));
    auto& m = env.members.at(n);
    REQUIRE(signal_and_wait(m.proc, SIGTERM, 30s) == 0);
    auto seed = n == "a" ? env.endpoint("b") : env.endpoint("a");
    env.start_member(n, seed, true, {}, [](node_settings& s) { s.drain_timeout_ms = 10'000; });
    REQUIRE(env.wait_member_ready(n));
    REQUIRE(env.wait_members(abc, 3));
    actions += 1'500;
  }
  auto r = env.producer->wait_result(job.job, 180s);
  REQUIRE(r);
  check_all_acked(job, *r);
  CHECK(env.producer->duplicate_results() == 0);
  std::printf("[failover] rolling restart: %lld jobs taken over, %zu commands ran twice, %zu ESLs "
              "got a second action (retries after a lost reply included)\n",
              static_cast<long long>(env.sum(abc, "jobs.taken_over")),
              commands_run_twice(env, job, *r), esls_sent_twice(env, job));
  CHECK(commands_run_twice(env, job, *r) == 0);
  for (auto& n : abc)
    check_clean_exit(env.members.at(n));
}
