#include "sim/harness/thread_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "runtime/core/text_table.hpp"

namespace shelfwire::sim {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint64_t status_field(const std::string& s, const std::string& key) {
  auto at = s.find(key);
  if (at == std::string::npos)
    return 0;
  return std::strtoull(s.c_str() + at + key.size(), nullptr, 10);
}

} // namespace

double proc_stat_cpu_s(const std::string& s) {
  auto rp = s.rfind(')');
  if (rp == std::string::npos || rp + 2 > s.size())
    return 0;
  std::istringstream fields{s.substr(rp + 2)};
  std::string f;
  double ut = 0, st = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14)
      ut = std::stod(f);
    if (i == 15)
      st = std::stod(f);
  }
  return (ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<int, thread_sample> sample_threads(int pid) {
  std::map<int, thread_sample> out;
  auto base = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(base.c_str());
  if (d == nullptr)
    return out;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    auto dir = base + "/" + e->d_name;
    thread_sample t;
    t.name = read_all(dir + "/comm");
    while (!t.name.empty() && (t.name.back() == '\n' || t.name.back() == ' '))
      t.name.pop_back();
    auto stat = read_all(dir + "/stat");
    if (stat.empty())
      continue; // ended meanwhile
    t.cpu_s = proc_stat_cpu_s(stat);
    auto status = read_all(dir + "/status");
    t.voluntary = status_field(status, "\nvoluntary_ctxt_switches:");
    t.involuntary = status_field(status, "\nnonvoluntary_ctxt_switches:");
    out.emplace(std::atoi(e->d_name), std::move(t));
  }
  ::closedir(d);
  return out;
}

std::vector<thread_group> thread_deltas(const std::map<int, thread_sample>& before,
                                        const std::map<int, thread_sample>& after) {
  std::vector<thread_group> groups;
  for (auto& [tid, t] : after) {
    thread_group d;
    d.name = t.name;
    d.cpu_s = t.cpu_s;
    d.voluntary = t.voluntary;
    d.involuntary = t.involuntary;
    if (auto b = before.find(tid); b != before.end() && b->second.name == t.name) {
      d.cpu_s -= b->second.cpu_s;
      d.voluntary -= std::min(d.voluntary, b->second.voluntary);
      d.involuntary -= std::min(d.involuntary, b->second.involuntary);
    }
    if (d.cpu_s <= 0 && d.voluntary == 0 && d.involuntary == 0)
      continue; // did nothing in between
    d.threads = 1;
    merge_groups(groups, {d});
  }
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.cpu_s > b.cpu_s; });
  return groups;
}

void merge_groups(std::vector<thread_group>& into, const std::vector<thread_group>& more) {
  for (auto& g : more) {
    auto i = std::find_if(into.begin(), into.end(), [&](auto& x) { return x.name == g.name; });
    if (i == into.end()) {
      into.push_back(g);
      continue;
    }
    i->threads += g.threads;
    i->cpu_s += g.cpu_s;
    i->voluntary += g.voluntary;
    i->involuntary += g.involuntary;
  }
  std::sort(into.begin(), into.end(),
            [](const auto& a, const auto& b) { return a.cpu_s > b.cpu_s; });
}

uint64_t total_wakeups(const std::vector<thread_group>& groups) {
  uint64_t n = 0;
  for (auto& g : groups)
    n += g.voluntary;
  return n;
}

std::string thread_table(const std::vector<thread_group>& groups, double commands,
                         double total_cpu_s) {
  auto fixed = [](double v, int digits) {
    char b[32];
    std::snprintf(b, sizeof(b), "%.*f", digits, v);
    return std::string{b};
  };
  text_table t{{"thread", "threads", "CPU s", "share", "us/cmd", "wake-ups/cmd", "preempted/cmd"}};
  for (auto& g : groups)
    t.add({g.name, std::to_string(g.threads), fixed(g.cpu_s, 2),
           fixed(total_cpu_s > 0 ? 100.0 * g.cpu_s / total_cpu_s : 0.0, 0) + " %",
           fixed(1e6 * g.cpu_s / commands, 0),
           fixed(static_cast<double>(g.voluntary) / commands, 2),
           fixed(static_cast<double>(g.involuntary) / commands, 2)});
  return t.str() + "wake-ups per command, all these threads: " +
         fixed(static_cast<double>(total_wakeups(groups)) / commands, 2) + "\n";
}

} // namespace shelfwire::sim
