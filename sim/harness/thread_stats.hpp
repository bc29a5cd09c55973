#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shelfwire::sim {

/// One thread of a process as /proc shows it.
struct thread_sample {
  std::string name;         ///< /proc/PID/task/TID/comm
  double cpu_s = 0;         ///< user + system
  uint64_t voluntary = 0;   ///< it blocked (waited to be woken): one hand-off each
  uint64_t involuntary = 0; ///< it was preempted
};

/// User + system CPU seconds from the text of a /proc/PID/stat (or
/// /proc/PID/task/TID/stat) file; 0 if it is not one.
double proc_stat_cpu_s(const std::string& stat);

/// Every thread of `pid` now, by thread id (empty if the process is gone).
std::map<int, thread_sample> sample_threads(int pid);

/// What the threads of one name did between two samples.
struct thread_group {
  std::string name;
  size_t threads = 0; ///< threads of that name that ran in between
  double cpu_s = 0;
  uint64_t voluntary = 0;
  uint64_t involuntary = 0;
};

/// Per thread name, the difference `after - before` (a thread that started
/// in between counts from zero), the busiest first. Names are grouped as
/// they are: name the threads you want told apart.
std::vector<thread_group> thread_deltas(const std::map<int, thread_sample>& before,
                                        const std::map<int, thread_sample>& after);

/// Adds `more` into `into`, by name (several processes of one kind).
void merge_groups(std::vector<thread_group>& into, const std::vector<thread_group>& more);

/// The voluntary context switches of all the groups: their hand-offs.
uint64_t total_wakeups(const std::vector<thread_group>& groups);

/// The groups as a table for people — name, threads, CPU seconds, share of
/// `total_cpu_s`, µs, wake-ups and preemptions per command — and a last
/// line with the wake-ups per command of them all. `commands` > 0.
std::string thread_table(const std::vector<thread_group>& groups, double commands,
                         double total_cpu_s);

} // namespace shelfwire::sim
