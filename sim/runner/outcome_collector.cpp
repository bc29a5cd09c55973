#include "sim/runner/outcome_collector.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "runtime/core/clock.hpp"

namespace shelfwire::sim {

std::optional<gw_mac> outcome_collector::best(esl_mac esl) {
  if (model) {
    std::lock_guard<std::mutex> g{*model_mtx};
    return model->best_gateway(esl);
  }
  auto i = simple_best.find(esl);
  return i == simple_best.end() ? std::nullopt : std::optional<gw_mac>{i->second};
}

void outcome_collector::submitted(size_t commands) {
  int64_t none = 0;
  first_submit_us.compare_exchange_strong(none, steady_now_us());
  std::lock_guard<std::mutex> g{mtx};
  rep.commands += commands;
}

void outcome_collector::result(const std::optional<wire::job_result>& res, int64_t submitted_us) {
  auto now = steady_now_us();
  std::vector<std::pair<bool, bool>> routes; // (routed, best) per outcome, outside the lock
  if (res && !res->rejected)
    for (auto& o : res->outcomes) {
      if (!o.gw || (o.status != outcome_status::acked && o.status != outcome_status::nacked))
        continue;
      auto b = best(o.esl);
      routes.emplace_back(true, b && *b == *o.gw);
    }
  std::lock_guard<std::mutex> g{mtx};
  rep.tasks++;
  tasks_done++;
  if (auto k = kill_us.load(); res && k != 0 && submitted_us < k)
    rep.failover_recovery_ms = std::max(rep.failover_recovery_ms, (now - k) / 1000);
  if (!res) {
    rep.tasks_lost++;
    return;
  }
  if (res->rejected) {
    rep.rejected_tasks++;
    return;
  }
  auto e2e = static_cast<uint64_t>(std::max<int64_t>(now - submitted_us, 0));
  last_result_us = std::max(last_result_us.load(), now);
  if (!urgent_job.empty() && res->job == urgent_job && !res->outcomes.empty()) {
    auto& o = res->outcomes.front();
    rep.urgent_latency_ms = static_cast<double>(e2e) / 1000.0;
    rep.urgent_outcome = std::string{to_string(o.status)};
    rep.urgent_gateway = o.gw ? o.gw->to_string() : std::string{};
    rep.urgent_esl = o.esl.to_string();
  }
  for (auto& o : res->outcomes) {
    rep.outcomes[static_cast<size_t>(o.status)]++;
    rep.attempts[std::min<size_t>(o.attempts, rep.attempts.size() - 1)]++;
    if (o.status == outcome_status::acked)
      recently_acked = o.esl;
    end_to_end.record(e2e);
    rep.end_to_end_samples_us.push_back(static_cast<uint32_t>(std::min<uint64_t>(e2e, UINT32_MAX)));
    if (o.backbone_us) {
      backbone.record(*o.backbone_us);
      rep.backbone_samples_us.push_back(
          static_cast<uint32_t>(std::min<uint64_t>(*o.backbone_us, UINT32_MAX)));
    }
  }
  for (auto& [routed, is_best] : routes) {
    rep.routed += routed;
    rep.best_routed += is_best;
  }
}

uint64_t outcome_collector::ended() {
  std::lock_guard<std::mutex> g{mtx};
  uint64_t n = 0;
  for (auto v : rep.outcomes)
    n += v;
  return n;
}

} // namespace shelfwire::sim
