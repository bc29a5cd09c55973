#pragma once

// Real mosquitto / redis-server on free loopback ports: see sim/harness/servers.hpp.
#include "sim/harness/servers.hpp"
#include "tests/support/process.hpp"

namespace shelfwire::testing {
using sim::mosquitto_config;
using sim::mosquitto_server;
using sim::redis_server;
} // namespace shelfwire::testing
