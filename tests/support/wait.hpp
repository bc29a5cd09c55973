#pragma once

// Waiting on a condition with a deadline: see sim/harness/wait.hpp.
#include "sim/harness/wait.hpp"

namespace shelfwire::testing {
using sim::wait_until;
} // namespace shelfwire::testing
