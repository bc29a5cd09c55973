#pragma once

// The JSON reader for what the binaries print (metrics snapshots,
// shelfwire-inspect --json, shelfwire-submit --json, simulator reports): the
// product's strict reader, runtime/core/json_reader.hpp.
#include "runtime/core/json_reader.hpp"

namespace shelfwire::testing {
using shelfwire::json_parser;
using shelfwire::json_value;
} // namespace shelfwire::testing
