#include "config/suggest.hpp"

#include <algorithm>

namespace shelfwire::config {

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rows: i-2, i-1, i.
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j)
    prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string closest(std::string_view given, const std::vector<std::string>& candidates) {
  const size_t limit = std::min<size_t>(3, 1 + given.size() / 5);
  size_t best = limit + 1;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    size_t d = edit_distance(given, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  return pick ? *pick : std::string{};
}

} // namespace shelfwire::config
