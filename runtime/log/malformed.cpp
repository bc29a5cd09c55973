#include "runtime/log/malformed.hpp"

#include "runtime/core/clock.hpp"
#include "runtime/log/log.hpp"

namespace shelfwire::log {

void malformed_input(metrics::counter& count, throttle& t, std::string_view module,
                     std::string_view what, std::string_view topic, size_t bytes,
                     std::string_view why) noexcept {
  count.inc();
  uint64_t suppressed = 0;
  if (!t.allow(steady_now_us(), suppressed))
    return;
  try {
    if (suppressed > 0)
      get(module)->warn("malformed {} on '{}' ({} bytes): {} ({} similar suppressed)", what, topic,
                        bytes, why, suppressed);
    else
      get(module)->warn("malformed {} on '{}' ({} bytes): {}", what, topic, bytes, why);
  } catch (...) {
    // Logging must not take the caller down with it.
  }
}

} // namespace shelfwire::log
