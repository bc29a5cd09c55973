// The `gateways` view and the node view's GATEWAYS summary.

#include <cstdio>
#include <sstream>

#include "actors/inspect/cli/render.hpp"
#include "runtime/core/json_writer.hpp"

namespace shelfwire::cli {

namespace {

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::vector<const gateway_row*> selected(const gateway_report& r, const std::string& state) {
  std::vector<const gateway_row*> out;
  for (auto& row : r.rows)
    if (state.empty() || row.state == state)
      out.push_back(&row);
  return out;
}

void write_report(json_writer& w, const gateway_report& r, const std::string& state) {
  w.begin_object().field("node", r.node).field("endpoint", r.endpoint);
  w.key("settings")
      .begin_object()
      .field("flow_control", r.flow_control)
      .field("window_min", r.window_min)
      .field("window_initial", r.window_initial)
      .field("window_max", r.window_max)
      .field("breaker_silent_attempts", r.breaker_silent_attempts)
      .field("breaker_cool_down_ms", r.breaker_cool_down_ms)
      .field("balance_margin_db", r.balance_margin_db)
      .end_object();
  w.key("totals")
      .begin_object()
      .field("balanced", r.balanced)
      .field("avoided_down", r.avoided_down)
      .field("waited", r.waited)
      .field("rerouted", r.rerouted)
      .field("trips", r.trips)
      .field("recoveries", r.recoveries)
      .field("busy", r.busy)
      .field("silent", r.silent)
      .end_object();
  w.key("gateways").begin_array();
  for (auto* g : selected(r, state))
    w.begin_object()
        .field("gateway", g->gw.to_string())
        .field("state", g->state)
        .field("window", g->window)
        .field("in_flight", static_cast<uint64_t>(g->in_flight))
        .field("waiting", static_cast<uint64_t>(g->waiting))
        .field("silent_in_row", static_cast<uint64_t>(g->silent_in_row))
        .field("down_for_ms", g->down_for_ms)
        .field("sent", g->sent)
        .field("acks", g->acks)
        .field("busy", g->busy)
        .field("nacks", g->nacks)
        .field("silent", g->silent)
        .field("waited", g->waited)
        .field("balanced_in", g->balanced_in)
        .field("breaker_trips", g->breaker_trips)
        .end_object();
  w.end_array().end_object();
}

std::string table_of(const gateway_report& r, const std::string& state) {
  std::ostringstream out;
  out << "node " << r.node << " at " << r.endpoint << ": flow control "
      << (r.flow_control ? "on" : "off") << " (window " << r.window_min << ".." << r.window_max
      << ", initial " << r.window_initial << "), breaker ";
  if (r.breaker_silent_attempts > 0)
    out << "after " << r.breaker_silent_attempts << " silent attempts in a row, cool-down "
        << human_duration_ms(r.breaker_cool_down_ms);
  else
    out << "off";
  out << ", balance margin " << r.balance_margin_db << " dB\n"
      << "totals: balanced " << r.balanced << ", avoided down " << r.avoided_down << ", waited "
      << r.waited << ", rerouted " << r.rerouted << ", trips " << r.trips << ", recoveries "
      << r.recoveries << ", busy " << r.busy << ", silent " << r.silent << "\n\n";
  text_table t{{"GATEWAY", "STATE", "WINDOW", "IN FLIGHT", "WAITING", "SENT", "ACKS", "BUSY",
                "SILENT", "BALANCED IN", "TRIPS", "DOWN FOR"}};
  auto rows = selected(r, state);
  for (auto* g : rows)
    t.add({g->gw.to_string(), g->state, one_decimal(g->window), std::to_string(g->in_flight),
           std::to_string(g->waiting), std::to_string(g->sent), std::to_string(g->acks),
           std::to_string(g->busy), std::to_string(g->silent), std::to_string(g->balanced_in),
           std::to_string(g->breaker_trips),
           g->state == "down" ? human_duration_ms(g->down_for_ms) : std::string{"-"}});
  if (rows.empty())
    out << (r.rows.empty()
                ? "no gateway has been sent to yet\n"
                : "no gateway is " + state + " (" + std::to_string(r.rows.size()) + " known)\n");
  else
    out << t.str();
  if (!state.empty() && !rows.empty())
    out << rows.size() << " of " << r.rows.size() << " gateways " << state << "\n";
  return out.str();
}

} // namespace

gateway_summary summarize(const gateway_report& r) {
  gateway_summary s;
  s.known = r.rows.size();
  for (auto& g : r.rows) {
    s.down += g.state == "down";
    s.probing += g.state == "probing";
    s.waiting += g.waiting;
    s.in_flight += g.in_flight;
    s.sent += g.sent;
  }
  s.balanced = r.balanced;
  return s;
}

std::string render_gateways(const std::vector<gateway_report>& reports, output_format f,
                            const std::string& state) {
  if (f == output_format::json) {
    json_writer w;
    if (reports.size() == 1) {
      write_report(w, reports.front(), state);
    } else {
      w.begin_object().key("nodes").begin_array();
      for (auto& r : reports)
        write_report(w, r, state);
      w.end_array().end_object();
    }
    return w.take() + "\n";
  }
  std::string out;
  for (auto& r : reports)
    out += (out.empty() ? "" : "\n") + table_of(r, state);
  return out;
}

void write_gateway_summary(json_writer& w, const gateway_summary& s) {
  w.begin_object()
      .field("known", static_cast<uint64_t>(s.known))
      .field("down", static_cast<uint64_t>(s.down))
      .field("probing", static_cast<uint64_t>(s.probing))
      .field("waiting", s.waiting)
      .field("in_flight", s.in_flight)
      .field("sent", s.sent)
      .field("balanced", s.balanced);
  w.key("balanced_share");
  if (s.sent == 0)
    w.null();
  else
    w.value(static_cast<double>(s.balanced) / static_cast<double>(s.sent));
  w.end_object();
}

std::string gateway_summary_table(const gateway_summary& s) {
  text_table t{{"GATEWAYS", "COUNT"}};
  t.add({"known (sent to)", std::to_string(s.known)});
  t.add({"down (breaker open)", std::to_string(s.down)});
  t.add({"probing", std::to_string(s.probing)});
  t.add({"attempts waiting for a window", std::to_string(s.waiting)});
  t.add({"attempts in flight", std::to_string(s.in_flight)});
  t.add({"balanced by load (routing.balanced)", std::to_string(s.balanced) + " (" +
                                                    percent(s.balanced, s.sent) + " of " +
                                                    std::to_string(s.sent) + " sent)"});
  return t.str();
}

} // namespace shelfwire::cli
