#pragma once

#include <cstddef>
#include <string_view>

#include "runtime/log/throttle.hpp"
#include "runtime/metrics/counter.hpp"

namespace shelfwire::log {

/// One malformed message from outside (a gateway's response or status, a
/// job): counts it in `count` and logs it, throttled by `t`, as a warning of
/// `module`: "malformed {what} on '{topic}' ({bytes} bytes): {why}", with
/// "(N similar suppressed)" when the throttle swallowed some since the last
/// line. Never throws.
void malformed_input(metrics::counter& count, throttle& t, std::string_view module,
                     std::string_view what, std::string_view topic, size_t bytes,
                     std::string_view why) noexcept;

} // namespace shelfwire::log
