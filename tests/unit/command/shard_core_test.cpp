#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/command/command_fsm.hpp"
#include "runtime/command/shard_core.hpp"

using namespace shelfwire;
using wire::op_kind;
using route = shard_core::reply_route::kind;

namespace {

const esl_mac esl_1 = esl_mac::from_u64(0x01);
const esl_mac esl_2 = esl_mac::from_u64(0x02);
const esl_mac esl_3 = esl_mac::from_u64(0x03);
const gw_mac gw_a = gw_mac::from_u64(0xA);

/// Records what the core asks of its shell, in order.
struct recorder final : shard_port {
  struct finished {
    uint64_t id;
    uint32_t index;
    command_outcome outcome;
  };
  std::vector<uint64_t> runs;
  std::vector<int> run_restarts;
  std::vector<finished> finishes;
  std::vector<esl_mac> releases;
  std::vector<std::pair<uint64_t, uint32_t>> fired; ///< (id, seq)
  std::vector<std::string> log;                     ///< "run 1", "finish 2", "release 01"

  void run(uint64_t id, const shard_entry& e) override {
    runs.push_back(id);
    run_restarts.push_back(e.restarts);
    log.push_back("run " + std::to_string(id & 0xFFFF));
  }
  void finish(uint64_t id, const shard_entry& e, command_outcome o) override {
    finishes.push_back({id, e.index, std::move(o)});
    log.push_back("finish " + std::to_string(id & 0xFFFF));
  }
  void released(esl_mac esl) override {
    releases.push_back(esl);
    log.push_back("release " + esl.to_string());
  }
  void fire(uint64_t id, uint8_t, uint32_t seq) override { fired.emplace_back(id, seq); }

  const finished* outcome_of(uint64_t id) const {
    for (auto& f : finishes)
      if (f.id == id)
        return &f;
    return nullptr;
  }
};

command_spec cmd(esl_mac esl, op_kind op = op_kind::price, priority prio = priority::normal) {
  return command_spec{esl, op, {{"price", "1.99"}}, prio};
}

command_spec cmd(esl_mac esl, priority prio) {
  return cmd(esl, op_kind::price, prio);
}

command_outcome acked(uint32_t attempts = 1) {
  command_outcome o;
  o.status = outcome_status::acked;
  o.attempts = attempts;
  o.has_gw = true;
  o.gw = gw_a;
  return o;
}

struct fixture {
  recorder port;
  shard_limits limits;
  std::unique_ptr<shard_core> core;
  uint32_t next_index = 0;

  explicit fixture(size_t max_running = SIZE_MAX, int max_restarts = 1) {
    limits.max_running = max_running;
    limits.max_restarts = max_restarts;
    limits.timer_resolution_us = 10'000;
    core = std::make_unique<shard_core>(3, limits, port);
  }

  shard_core::accepted submit(command_spec c, int64_t now = 0, int handoff = 0) {
    auto id = core->mint_id();
    return core->submit(id, next_index++, std::move(c), now, handoff);
  }
};

} // namespace

TEST_CASE("shard core: ids carry the shard index") {
  fixture f;
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_2));
  CHECK((a.id >> 48) == 3);
  CHECK((b.id >> 48) == 3);
  CHECK(a.id != b.id);
}

TEST_CASE("shard core: one command in flight per ESL, the rest in submission order") {
  fixture f;
  auto a = f.submit(cmd(esl_1, op_kind::price));
  auto b = f.submit(cmd(esl_1, op_kind::image));
  auto c = f.submit(cmd(esl_1, op_kind::page));
  auto other = f.submit(cmd(esl_2));
  CHECK_FALSE(a.queued);
  CHECK(b.queued);
  CHECK(c.queued);
  CHECK_FALSE(other.queued);
  CHECK(f.port.runs == std::vector<uint64_t>{a.id, other.id});
  CHECK(f.core->running() == 2);

  f.core->complete(a.id, acked());
  CHECK(f.port.runs.back() == b.id);
  f.core->complete(b.id, acked());
  CHECK(f.port.runs.back() == c.id);
  f.core->complete(c.id, acked());
  // The ESL is released once, when its last command ended.
  CHECK(f.port.releases == std::vector<esl_mac>{esl_1});
  CHECK(f.port.log == std::vector<std::string>{"run 1", "run 4", "finish 1", "run 2", "finish 2",
                                               "run 3", "finish 3", "release 000000000001"});
  CHECK(f.core->holds(esl_2));
  CHECK_FALSE(f.core->holds(esl_1));
}

TEST_CASE("shard core: a newer command with the same op replaces a waiting one") {
  fixture f;
  auto running = f.submit(cmd(esl_1, op_kind::price));
  auto old_price = f.submit(cmd(esl_1, op_kind::price));
  auto image = f.submit(cmd(esl_1, op_kind::image));
  auto new_price = f.submit(cmd(esl_1, op_kind::price));

  // The running one is never replaced; the waiting price is.
  REQUIRE(f.port.finishes.size() == 1);
  auto* sup = f.port.outcome_of(old_price.id);
  REQUIRE(sup != nullptr);
  CHECK(sup->outcome.status == outcome_status::superseded);
  CHECK(sup->outcome.reason == outcome_reason::superseded);
  CHECK(sup->outcome.attempts == 0);
  CHECK(sup->index == 1);
  CHECK(f.core->find(running.id) != nullptr);

  f.core->complete(running.id, acked());
  f.core->complete(image.id, acked());
  CHECK(f.port.runs == std::vector<uint64_t>{running.id, image.id, new_price.id});
}

TEST_CASE("shard core: the running cap holds commands ready, oldest first") {
  fixture f{2};
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_2));
  auto c = f.submit(cmd(esl_3));
  auto d = f.submit(cmd(esl_mac::from_u64(4)));
  CHECK(f.port.runs == std::vector<uint64_t>{a.id, b.id});
  CHECK(f.core->phase_of(c.id, *f.core->find(c.id)) == command_phase::ready);
  f.core->complete(b.id, acked());
  CHECK(f.port.runs.back() == c.id);
  f.core->complete(a.id, acked());
  CHECK(f.port.runs.back() == d.id);
  CHECK(f.core->running() == 2);
}

TEST_CASE("shard core: waiting for a running slot, high starts before normal before bulk") {
  fixture f{1};
  auto busy = f.submit(cmd(esl_mac::from_u64(9)));
  auto b1 = f.submit(cmd(esl_1, priority::bulk));
  auto n1 = f.submit(cmd(esl_2, priority::normal));
  auto h1 = f.submit(cmd(esl_3, priority::high));
  auto b2 = f.submit(cmd(esl_mac::from_u64(4), priority::bulk));
  auto h2 = f.submit(cmd(esl_mac::from_u64(5), priority::high));
  auto n2 = f.submit(cmd(esl_mac::from_u64(6), priority::normal));
  CHECK(f.core->ready_count(priority::high) == 2);
  CHECK(f.core->ready_count(priority::normal) == 2);
  CHECK(f.core->ready_count(priority::bulk) == 2);
  std::vector<uint64_t> order;
  auto last = busy.id;
  for (int i = 0; i < 6; ++i) {
    f.core->complete(last, acked());
    last = f.port.runs.back();
    order.push_back(last);
  }
  CHECK(order == std::vector<uint64_t>{h1.id, h2.id, n1.id, n2.id, b1.id, b2.id});
  CHECK(f.core->ready_count(priority::bulk) == 0);
}

TEST_CASE("shard core: a high command never overtakes an earlier command of its own ESL") {
  fixture f{1};
  auto busy = f.submit(cmd(esl_mac::from_u64(9)));
  auto bulk = f.submit(cmd(esl_1, op_kind::price, priority::bulk));
  auto high_same = f.submit(cmd(esl_1, op_kind::image, priority::high)); // behind `bulk`
  auto high_other = f.submit(cmd(esl_2, priority::high));
  CHECK(high_same.queued);
  CHECK(f.core->phase_of(high_same.id, *f.core->find(high_same.id)) == command_phase::queued);
  f.core->complete(busy.id, acked());
  CHECK(f.port.runs.back() == high_other.id); // overtakes the waiting bulk one
  f.core->complete(high_other.id, acked());
  CHECK(f.port.runs.back() == bulk.id); // the ESL's first, bulk or not
  f.core->complete(bulk.id, acked());
  CHECK(f.port.runs.back() == high_same.id);
  CHECK(f.core->size() == 1);
}

TEST_CASE("shard core: abort_waiting ends selected commands that have not started") {
  fixture f{2};
  // Job A: indices 0..; job B: others. Index parity stands for the submitter.
  auto a_run = f.submit(cmd(esl_1));                          // 0: runs
  auto b_run = f.submit(cmd(esl_2));                          // 1: runs
  auto a_queued = f.submit(cmd(esl_1, op_kind::image));       // 2: behind a_run
  auto b_queued = f.submit(cmd(esl_1, op_kind::page));        // 3: behind a_queued
  auto a_ready = f.submit(cmd(esl_3));                        // 4: waits for a slot
  auto b_ready = f.submit(cmd(esl_mac::from_u64(4)));         // 5: waits for a slot
  auto a_handoff = f.submit(cmd(esl_mac::from_u64(5)), 0, 1); // 6: waits for previous owner
  REQUIRE(a_handoff.awaiting_handoff);
  auto n = f.core->abort_waiting([](uint64_t, const shard_entry& e) { return e.index % 2 == 0; });
  CHECK(n == 3);
  for (auto id : {a_queued.id, a_ready.id, a_handoff.id}) {
    auto* o = f.port.outcome_of(id);
    REQUIRE(o);
    CHECK(o->outcome.status == outcome_status::aborted);
    CHECK(o->outcome.reason == outcome_reason::abort_threshold);
    CHECK(o->outcome.attempts == 0);
  }
  CHECK(f.core->find(a_run.id)); // running: goes on
  CHECK(f.core->find(b_queued.id));
  CHECK(f.core->find(b_ready.id));
  CHECK(f.port.runs == std::vector<uint64_t>{a_run.id, b_run.id});
  // The ESL's queue closed over the gap; the slot FIFO skips the aborted one.
  f.core->complete(a_run.id, acked());
  CHECK(f.port.runs.back() == b_queued.id); // esl_1's next, then the oldest ready
  f.core->complete(b_run.id, acked());
  CHECK(f.port.runs.back() == b_ready.id);
  CHECK(f.port.finishes.size() == 5);
  // Nothing selected, nothing ends; a second abort finds nothing more.
  CHECK(f.core->abort_waiting([](uint64_t, const shard_entry& e) { return e.index % 2 == 0; }) ==
        0);
}

TEST_CASE("shard core: outcomes reported by the actor keep the attempts of crashed runs") {
  fixture f{SIZE_MAX, 2};
  auto a = f.submit(cmd(esl_1));
  command_progress p;
  p.timer_kind = static_cast<uint8_t>(command_step::timer_kind::attempt);
  p.due_us = 1'000;
  p.attempts = 2;
  p.has_gw = true;
  p.gw = gw_a;
  f.core->progress(a.id, p);
  REQUIRE(f.core->crashed(a.id) == shard_core::crash_result::restarted);
  f.core->complete(a.id, acked(1));
  REQUIRE(f.port.finishes.size() == 1);
  CHECK(f.port.finishes[0].outcome.attempts == 3);
  CHECK(f.port.finishes[0].outcome.status == outcome_status::acked);
}

TEST_CASE("shard core: a crashed command restarts up to the budget, then ends failed") {
  fixture f{1, 1};
  auto a = f.submit(cmd(esl_1));
  auto waiting = f.submit(cmd(esl_2)); // held back by the cap of one
  command_progress p;
  p.timer_kind = static_cast<uint8_t>(command_step::timer_kind::attempt);
  p.attempts = 1;
  p.has_gw = true;
  p.gw = gw_a;
  f.core->progress(a.id, p);

  CHECK(f.core->crashed(a.id) == shard_core::crash_result::restarted);
  CHECK(f.port.runs == std::vector<uint64_t>{a.id, a.id});
  CHECK(f.port.run_restarts == std::vector<int>{0, 1});
  CHECK(f.core->running() == 1); // the restart kept its slot: nothing else started
  CHECK(f.core->find(a.id)->timer_kind == shard_entry::no_timer);

  CHECK(f.core->crashed(a.id) == shard_core::crash_result::ended);
  auto* out = f.port.outcome_of(a.id);
  REQUIRE(out != nullptr);
  CHECK(out->outcome.status == outcome_status::failed);
  CHECK(out->outcome.reason == outcome_reason::crashed);
  CHECK(out->outcome.attempts == 1);
  CHECK(out->outcome.has_gw);
  CHECK(out->outcome.gw == gw_a);
  // Its slot went to the command that waited.
  CHECK(f.port.runs.back() == waiting.id);
  CHECK(f.core->crashed(a.id) == shard_core::crash_result::unknown);
}

TEST_CASE("shard core: crashes of commands that do not run are not counted") {
  fixture f;
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_1));
  CHECK(f.core->crashed(b.id) == shard_core::crash_result::unknown);
  CHECK(f.core->crashed(12345) == shard_core::crash_result::unknown);
  CHECK(f.port.runs == std::vector<uint64_t>{a.id});
}

TEST_CASE("shard core: an ESL's first command waits for every previous owner asked") {
  fixture f;
  auto a = f.submit(cmd(esl_1), 0, 2);
  CHECK(a.awaiting_handoff);
  auto b = f.submit(cmd(esl_1, op_kind::image), 0, 2); // not first: no handoff of its own
  CHECK(b.queued);
  CHECK_FALSE(b.awaiting_handoff);
  CHECK(f.port.runs.empty());
  CHECK(f.core->phase_of(a.id, *f.core->find(a.id)) == command_phase::handoff);
  CHECK(f.core->phase_of(b.id, *f.core->find(b.id)) == command_phase::queued);
  // While waiting, a legacy reply for the ESL is not this shard's.
  CHECK(f.core->route_reply(0, esl_1).what == route::not_held);

  f.core->handoff_answered(esl_1);
  CHECK(f.port.runs.empty());
  f.core->handoff_answered(esl_1);
  CHECK(f.port.runs == std::vector<uint64_t>{a.id});
  f.core->handoff_answered(esl_1); // a late extra answer changes nothing
  CHECK(f.port.runs == std::vector<uint64_t>{a.id});
  f.core->complete(a.id, acked());
  CHECK(f.port.runs.back() == b.id);
}

TEST_CASE("shard core: no handoff asked, the first command runs at once") {
  fixture f;
  auto a = f.submit(cmd(esl_1), 0, 0);
  CHECK_FALSE(a.awaiting_handoff);
  CHECK(f.port.runs == std::vector<uint64_t>{a.id});
}

TEST_CASE("shard core: replies go to the command by id, or to the ESL's command in flight") {
  fixture f{1};
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_2)); // ready: no slot

  auto r = f.core->route_reply(a.id, esl_1);
  CHECK(r.what == route::deliver);
  CHECK(r.id == a.id);
  CHECK(f.core->route_reply(a.id, esl_2).what == route::esl_mismatch);
  CHECK(f.core->route_reply(999, esl_1).what == route::late);
  CHECK(f.core->route_reply(b.id, esl_2).what == route::late); // not running yet

  auto legacy = f.core->route_reply(0, esl_1);
  CHECK(legacy.what == route::deliver);
  CHECK(legacy.id == a.id);
  CHECK(f.core->route_reply(0, esl_2).what == route::late);
  CHECK(f.core->route_reply(0, esl_3).what == route::not_held);

  f.core->complete(a.id, acked());
  CHECK(f.core->route_reply(a.id, esl_1).what == route::late);
}

TEST_CASE("shard core: timers tick at the resolution and fire for running commands only") {
  fixture f;
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_2));
  command_progress p;
  p.timer_kind = static_cast<uint8_t>(command_step::timer_kind::attempt);
  p.seq = 7;
  p.due_us = 12'345;
  auto tick = f.core->progress(a.id, p);
  REQUIRE(tick.has_value());
  CHECK(*tick == 20'000); // rounded up to the 10 ms resolution

  p.seq = 8;
  p.due_us = 15'000; // shares the tick already asked for
  CHECK_FALSE(f.core->progress(b.id, p).has_value());
  p.seq = 9;
  p.due_us = 55'000;
  CHECK_FALSE(f.core->progress(b.id, p).has_value());
  CHECK(f.core->phase_of(a.id, *f.core->find(a.id)) == command_phase::awaiting_reply);

  f.core->complete(a.id, acked()); // its timer is dropped when due
  auto next = f.core->tick(20'000);
  CHECK(f.port.fired == std::vector<std::pair<uint64_t, uint32_t>>{{b.id, 8}});
  REQUIRE(next.has_value());
  CHECK(*next == 60'000);
  CHECK_FALSE(f.core->tick(60'000).has_value());
  CHECK(f.port.fired.back() == std::make_pair(b.id, uint32_t{9}));

  // Progress from a command that does not run is ignored.
  auto c = f.submit(cmd(esl_2));
  CHECK_FALSE(f.core->progress(c.id, p).has_value());
}

TEST_CASE("shard core: shutdown ends every command failed once, and takes no more") {
  fixture f{1};
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_1, op_kind::image));
  auto c = f.submit(cmd(esl_2));       // ready
  auto d = f.submit(cmd(esl_3), 0, 1); // handoff
  CHECK(f.core->running_ids() == std::vector<uint64_t>{a.id});
  CHECK(f.core->shutdown() == 4);
  CHECK(f.core->size() == 0);
  REQUIRE(f.port.finishes.size() == 4);
  for (auto id : {a.id, b.id, c.id, d.id}) {
    auto* out = f.port.outcome_of(id);
    REQUIRE(out != nullptr);
    CHECK(out->outcome.status == outcome_status::failed);
    CHECK(out->outcome.reason == outcome_reason::shutdown);
  }
  CHECK(f.port.runs == std::vector<uint64_t>{a.id}); // nothing started while stopping
  std::set<esl_mac> released(f.port.releases.begin(), f.port.releases.end());
  CHECK(released == std::set<esl_mac>{esl_1, esl_2, esl_3});

  auto late = f.submit(cmd(esl_1));
  auto* out = f.port.outcome_of(late.id);
  REQUIRE(out != nullptr);
  CHECK(out->outcome.reason == outcome_reason::shutdown);
  CHECK(f.core->crashed(a.id) == shard_core::crash_result::unknown);
}

TEST_CASE("shard core: a shutdown that hands commands back (moved) ends later ones the same way") {
  fixture f{1};
  auto a = f.submit(cmd(esl_1));
  auto b = f.submit(cmd(esl_2));
  CHECK(f.core->shutdown(outcome_reason::moved) == 2);
  for (auto id : {a.id, b.id}) {
    auto* out = f.port.outcome_of(id);
    REQUIRE(out != nullptr);
    CHECK(out->outcome.status == outcome_status::failed);
    CHECK(out->outcome.reason == outcome_reason::moved);
  }
  // A submission still on its way when the shard stopped goes back too.
  auto late = f.submit(cmd(esl_3));
  auto* out = f.port.outcome_of(late.id);
  REQUIRE(out != nullptr);
  CHECK(out->outcome.reason == outcome_reason::moved);
}

TEST_CASE("shard core: the commands view counts by phase and lists the oldest first") {
  fixture f{1};
  auto a = f.submit(cmd(esl_1), 1'000);
  auto b = f.submit(cmd(esl_1, op_kind::image), 2'000);
  auto c = f.submit(cmd(esl_2), 3'000);
  auto d = f.submit(cmd(esl_3), 4'000, 1);
  (void)d;
  auto counts = f.core->count_by_phase();
  CHECK(counts[static_cast<size_t>(command_phase::dispatching)] == 1);
  CHECK(counts[static_cast<size_t>(command_phase::queued)] == 1);
  CHECK(counts[static_cast<size_t>(command_phase::ready)] == 1);
  CHECK(counts[static_cast<size_t>(command_phase::handoff)] == 1);

  command_query q;
  q.limit = 2;
  auto l = f.core->list(q, 10'000);
  CHECK(l.matching == 4);
  REQUIRE(l.rows.size() == 2);
  CHECK(l.rows[0].id == a.id);
  CHECK(l.rows[0].age_ms == 9);
  CHECK(l.rows[0].op == "price");
  CHECK(l.rows[0].state == "dispatching");
  CHECK(l.rows[0].shard == 3);
  CHECK(l.rows[1].id == b.id);

  q = command_query{};
  q.state = "ready";
  l = f.core->list(q, 10'000);
  REQUIRE(l.rows.size() == 1);
  CHECK(l.rows[0].id == c.id);

  q = command_query{};
  q.has_esl = true;
  q.esl = esl_1;
  CHECK(f.core->list(q, 10'000).matching == 2);
}

// Random interleavings of everything a shard sees: whatever happens, every
// accepted command ends exactly once, one command of an ESL runs at a time,
// the cap holds, and an ESL's surviving commands start in submission order.
TEST_CASE("shard core: random interleavings keep exactly one outcome per command") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng{seed};
    auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>{0, n - 1}(rng); };
    fixture f{1 + pick(4), static_cast<int>(pick(3))};
    std::vector<uint64_t> accepted;
    std::map<esl_mac, std::vector<uint64_t>> submitted_per_esl;
    std::vector<esl_mac> handing_off;
    for (int step = 0; step < 400; ++step) {
      auto what = pick(10);
      auto running = f.core->running_ids();
      if (what < 4 || running.empty()) {
        auto esl = esl_mac::from_u64(1 + pick(6));
        auto op = static_cast<op_kind>(pick(3));
        auto prio = static_cast<priority>(pick(3));
        int handoff = !f.core->holds(esl) && pick(4) == 0 ? 1 : 0;
        auto a = f.submit(cmd(esl, op, prio), step, handoff);
        accepted.push_back(a.id);
        submitted_per_esl[esl].push_back(a.id);
        if (a.awaiting_handoff)
          handing_off.push_back(esl);
      } else if (what < 7) {
        f.core->complete(running[pick(running.size())], acked());
      } else if (what < 9) {
        f.core->crashed(running[pick(running.size())]);
      } else if (pick(8) == 0) {
        // One of three "jobs" (by index) reaches its abort threshold.
        auto job = pick(3);
        f.core->abort_waiting([job](uint64_t, const shard_entry& e) { return e.index % 3 == job; });
      } else if (!handing_off.empty()) {
        auto k = pick(handing_off.size());
        f.core->handoff_answered(handing_off[k]);
        handing_off.erase(handing_off.begin() + static_cast<ptrdiff_t>(k));
      }
      // Invariants after every step.
      REQUIRE(f.core->running() <= f.limits.max_running);
      std::set<esl_mac> running_esls;
      for (auto id : f.core->running_ids())
        REQUIRE(running_esls.insert(f.core->find(id)->cmd.esl).second);
    }
    f.core->shutdown();
    std::multiset<uint64_t> ended;
    for (auto& fin : f.port.finishes)
      ended.insert(fin.id);
    REQUIRE(ended.size() == accepted.size());
    for (auto id : accepted)
      REQUIRE(ended.count(id) == 1);
    // An aborted command never ran.
    for (auto& fin : f.port.finishes)
      if (fin.outcome.status == outcome_status::aborted)
        REQUIRE(std::find(f.port.runs.begin(), f.port.runs.end(), fin.id) == f.port.runs.end());
    // First runs per ESL follow submission order.
    std::map<esl_mac, std::vector<uint64_t>> first_runs;
    std::set<uint64_t> seen;
    for (size_t i = 0; i < f.port.runs.size(); ++i)
      if (f.port.run_restarts[i] == 0 && seen.insert(f.port.runs[i]).second) {
        auto id = f.port.runs[i];
        for (auto& [esl, ids] : submitted_per_esl)
          if (std::find(ids.begin(), ids.end(), id) != ids.end())
            first_runs[esl].push_back(id);
      }
    for (auto& [esl, ids] : first_runs)
      REQUIRE(std::is_sorted(ids.begin(), ids.end()));
  }
}
