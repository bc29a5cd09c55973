#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages/messages.hpp"
#include "runtime/core/text_table.hpp"

namespace shelfwire::cli {

/// How a view is printed: aligned tables for people, or one JSON document.
enum class output_format { table, json };

/// `members`: every member as the asked node sees it. `now_ms`: wall clock.
std::string render_members(const std::vector<member_row>& rows, int64_t now_ms, output_format f);

/// `node`: actors, routers, links, latencies, outcomes. `all_counters`
/// adds every counter and gauge of the node (always in JSON).
std::string render_node(const node_report& r, int64_t now_ms, output_format f,
                        bool all_counters = false);

/// `commands`: the oldest matching commands.
std::string render_commands(const command_list& l, output_format f);

/// `route ESL`: the RSSI table's candidates, best first.
std::string render_route(const route_report& r, output_format f);

/// `scale`: one line (or object) per node asked.
std::string render_scale(const std::vector<std::pair<std::string, scale_result>>& results,
                         output_format f);

using shelfwire::text_table;

/// "1h02m", "3m05s", "4.2s", "850ms": a duration for people.
std::string human_duration_ms(int64_t ms);

} // namespace shelfwire::cli
