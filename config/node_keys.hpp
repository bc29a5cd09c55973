#pragma once

// The node schema's pieces, shared by node_config.cpp (the process, the data
// path, jobs) and node_link_keys.cpp (the links: MQTT, Redis, the cluster,
// the inspector, with their TLS and secrets). Internal to config/.

#include <cstdint>

#include "config/node_options.hpp"
#include "config/schema.hpp"

namespace shelfwire::config::node_keys {

inline constexpr int64_t second = 1'000;
inline constexpr int64_t minute = 60 * second;
inline constexpr int64_t hour = 60 * minute;
inline constexpr int64_t day = 24 * hour;

// Legal-value descriptions shared by several keys.
inline constexpr const char* topic_legal = "an MQTT topic without '+', '#' or a trailing '/'";
inline constexpr const char* group_legal = "a non-empty name without '/', '+' or '#'";

/// The links' sections, in the order the schema lists them.
void add_mqtt_keys(schema<node_options>& s);
void add_redis_keys(schema<node_options>& s);
void add_cluster_keys(schema<node_options>& s);
void add_inspect_keys(schema<node_options>& s);

} // namespace shelfwire::config::node_keys
