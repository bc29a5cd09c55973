#pragma once

// HTTP GET on loopback: see sim/harness/http_get.hpp.
#include "sim/harness/http_get.hpp"

namespace shelfwire::testing {
using sim::http_get;
using sim::http_reply;
using sim::url_encode;
} // namespace shelfwire::testing
