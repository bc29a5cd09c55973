#include "sim/runner/radio_bound.hpp"

#include <algorithm>
#include <limits>
#include <queue>

namespace shelfwire::sim {

namespace {

/// Dinic's max-flow on doubles; small graphs (groups + gateways + 2).
class max_flow {
public:
  explicit max_flow(size_t n)
      : adj_(n)
      , level_(n)
      , it_(n) {}

  void add(size_t from, size_t to, double cap) {
    adj_[from].push_back(edges_.size());
    edges_.push_back({to, cap});
    adj_[to].push_back(edges_.size());
    edges_.push_back({from, 0});
  }

  double run(size_t s, size_t t) {
    double total = 0;
    while (bfs(s, t)) {
      std::fill(it_.begin(), it_.end(), 0);
      while (auto f = dfs(s, t, std::numeric_limits<double>::infinity()))
        total += f;
    }
    return total;
  }

private:
  struct edge {
    size_t to;
    double cap;
  };
  static constexpr double eps = 1e-12;

  bool bfs(size_t s, size_t t) {
    std::fill(level_.begin(), level_.end(), -1);
    std::queue<size_t> q;
    level_[s] = 0;
    q.push(s);
    while (!q.empty()) {
      auto v = q.front();
      q.pop();
      for (auto e : adj_[v])
        if (edges_[e].cap > eps && level_[edges_[e].to] < 0) {
          level_[edges_[e].to] = level_[v] + 1;
          q.push(edges_[e].to);
        }
    }
    return level_[t] >= 0;
  }

  double dfs(size_t v, size_t t, double f) {
    if (v == t)
      return f;
    for (auto& i = it_[v]; i < adj_[v].size(); ++i) {
      auto e = adj_[v][i];
      auto& ed = edges_[e];
      if (ed.cap > eps && level_[ed.to] == level_[v] + 1) {
        auto d = dfs(ed.to, t, std::min(f, ed.cap));
        if (d > 0) {
          ed.cap -= d;
          edges_[e ^ 1].cap += d;
          return d;
        }
      }
    }
    return 0;
  }

  std::vector<std::vector<size_t>> adj_;
  std::vector<edge> edges_;
  std::vector<int> level_;
  std::vector<size_t> it_;
};

/// Can every group's work be split over its gateways with at most `cap` each?
bool feasible(const std::map<std::vector<uint32_t>, double>& groups, size_t gateways, double cap,
              double total) {
  const size_t src = 0, first_group = 1, first_gw = first_group + groups.size(),
               sink = first_gw + gateways;
  max_flow f{sink + 1};
  size_t k = 0;
  for (auto& [set, work] : groups) {
    f.add(src, first_group + k, work);
    for (auto g : set)
      f.add(first_group + k, first_gw + g, std::numeric_limits<double>::infinity());
    ++k;
  }
  for (size_t g = 0; g < gateways; ++g)
    f.add(first_gw + g, sink, cap);
  return f.run(src, sink) >= total * (1 - 1e-9);
}

std::map<std::vector<uint32_t>, double> group(const std::vector<bound_esl>& esls, size_t from) {
  std::map<std::vector<uint32_t>, double> groups;
  for (size_t i = from; i < esls.size(); ++i) {
    auto set = esls[i].hearers;
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    groups[set] += esls[i].work_s;
  }
  return groups;
}

} // namespace

double capacity_bound(const std::map<std::vector<uint32_t>, double>& groups, size_t gateways,
                      uint32_t slots) {
  double total = 0;
  for (auto& [set, work] : groups)
    if (!set.empty())
      total += work;
  if (total <= 0 || gateways == 0 || slots == 0)
    return 0;
  std::map<std::vector<uint32_t>, double> usable;
  for (auto& [set, work] : groups)
    if (!set.empty() && work > 0)
      usable.emplace(set, work);
  // Every gateway busy all along is the best case; one gateway for all the worst.
  double lo = total / (static_cast<double>(slots) * static_cast<double>(gateways));
  double hi = total / static_cast<double>(slots);
  if (feasible(usable, gateways, lo * slots, total))
    return lo;
  for (int i = 0; i < 100 && hi - lo > 1e-9 * hi; ++i) {
    auto mid = (lo + hi) / 2;
    (feasible(usable, gateways, mid * slots, total) ? hi : lo) = mid;
  }
  return hi;
}

bound_result radio_bound(const std::vector<bound_esl>& esls, size_t gateways, uint32_t slots,
                         double min_tx_s) {
  bound_result r;
  for (auto& e : esls)
    r.hearers_per_esl[e.hearers.size()]++;
  auto all = group(esls, 0);
  r.groups = all.size();
  r.capacity_s = capacity_bound(all, gateways, slots);
  bool releases = std::any_of(esls.begin(), esls.end(), [](auto& e) { return e.release_s > 0; });
  if (releases) {
    // Latest releases last; thresholds at up to 64 quantiles of the releases
    // (any threshold gives a lower bound: the max over some is one too).
    auto sorted = esls;
    std::sort(sorted.begin(), sorted.end(),
              [](auto& a, auto& b) { return a.release_s < b.release_s; });
    const size_t steps = std::min<size_t>(64, sorted.size());
    for (size_t q = 0; q < steps; ++q) {
      auto from = sorted.size() * q / steps;
      auto tau = sorted[from].release_s;
      while (from > 0 && sorted[from - 1].release_s >= tau)
        --from; // every ESL released at tau or later
      r.release_s =
          std::max(r.release_s, tau + capacity_bound(group(sorted, from), gateways, slots));
    }
    for (auto& e : esls)
      if (e.work_s > 0)
        r.release_s = std::max(r.release_s, e.release_s + min_tx_s);
  }
  r.bound_s = std::max(r.capacity_s, r.release_s);
  if (std::any_of(esls.begin(), esls.end(), [](auto& e) { return e.work_s > 0; }))
    r.bound_s = std::max(r.bound_s, min_tx_s); // one transmission at least
  return r;
}

} // namespace shelfwire::sim
