#pragma once

#include <string_view>

namespace shelfwire {

/// True if `given` equals `expected`; takes the same time wherever they
/// differ (for comparing secrets such as the inspect token).
inline bool constant_time_equal(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

} // namespace shelfwire
