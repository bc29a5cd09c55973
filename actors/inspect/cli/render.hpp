#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/messages/presence_view.hpp"
#include "runtime/core/text_table.hpp"

namespace shelfwire {
class json_writer;
}

namespace shelfwire::cli {

/// How a view is printed: aligned tables for people, or one JSON document.
enum class output_format { table, json };

/// `members`: every member as the asked node sees it, with its presence on
/// MQTT (`presence`, by name), then the nodes known only by their presence
/// (gone, or of another cluster on the broker). `now_ms`: wall clock.
std::string render_members(const std::vector<member_row>& rows,
                           const std::vector<presence_row>& presence, int64_t now_ms,
                           output_format f);
std::string render_members(const std::vector<member_row>& rows, int64_t now_ms, output_format f);

/// A presence for people: "online for 3m05s", "offline (lost) for 12.0s",
/// "offline (stopped)" when the time is not known.
std::string presence_text(const presence_row& p, int64_t now_ms);

/// `node`: actors, routers, links, latencies, outcomes. `all_counters`
/// adds every counter and gauge of the node (always in JSON). `gateways`
/// (the node's `gateways` view, if it answered) adds a GATEWAYS summary.
std::string render_node(const node_report& r, int64_t now_ms, output_format f,
                        bool all_counters = false, const gateway_report* gateways = nullptr);

/// `gateways [--state S]`: per node, its flow settings and totals, then one
/// row per gateway it has sent to (only those in state S if not empty).
/// JSON: one node's object, or {"nodes":[...]} for several.
std::string render_gateways(const std::vector<gateway_report>& reports, output_format f,
                            const std::string& state = {});

/// The node view's GATEWAYS summary of a `gateways` report.
struct gateway_summary {
  size_t known = 0, down = 0, probing = 0;
  uint64_t waiting = 0, in_flight = 0, sent = 0;
  uint64_t balanced = 0; ///< routing.balanced: picks load decided
};
gateway_summary summarize(const gateway_report& r);
std::string gateway_summary_table(const gateway_summary& s);
void write_gateway_summary(json_writer& w, const gateway_summary& s);

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
