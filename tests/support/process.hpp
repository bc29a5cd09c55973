#pragma once

// Child processes and temp dirs for tests: see sim/harness/process.hpp.
#include "sim/harness/process.hpp"

namespace shelfwire::testing {
using sim::build_binary;
using sim::child_process;
using sim::free_port;
using sim::port_accepts;
using sim::temp_dir;
} // namespace shelfwire::testing
