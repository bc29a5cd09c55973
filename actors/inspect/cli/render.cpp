#include "actors/inspect/cli/render.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "runtime/core/json_writer.hpp"
#include "runtime/metrics/catalog.hpp"

namespace shelfwire::cli {

std::string human_duration_ms(int64_t ms) {
  if (ms < 0)
    return "-";
  char buf[32];
  if (ms < 1'000)
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  else
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  return buf;
}

namespace {

std::string hex16(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ms_from_us(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(us) / 1000.0);
  return buf;
}

void write_values(json_writer& w, const std::vector<named_value>& xs) {
  w.begin_object();
  for (auto& x : xs)
    w.field(x.name, x.value);
  w.end_object();
}

} // namespace

std::string presence_text(const presence_row& p, int64_t now_ms) {
  auto s = p.state;
  if (!p.reason.empty())
    s += " (" + p.reason + ")";
  if (p.since_ms > 0)
    s += " for " + human_duration_ms(std::max<int64_t>(0, now_ms - p.since_ms));
  return s;
}

namespace {

void write_presence(json_writer& w, const presence_row& p) {
  w.begin_object()
      .field("state", p.state)
      .field("reason", p.reason)
      .field("since_ms", p.since_ms)
      .field("started_ms", p.started_ms)
      .field("incarnation", hex16(p.incarnation))
      .field("endpoint", p.endpoint)
      .end_object();
}

} // namespace

std::string render_members(const std::vector<member_row>& rows, int64_t now_ms, output_format f) {
  return render_members(rows, {}, now_ms, f);
}

std::string render_members(const std::vector<member_row>& rows,
                           const std::vector<presence_row>& presence, int64_t now_ms,
                           output_format f) {
  auto presence_of = [&](const std::string& name) -> const presence_row* {
    for (auto& p : presence)
      if (p.name == name)
        return &p;
    return nullptr;
  };
  std::vector<const presence_row*> others; // known only by their presence
  for (auto& p : presence)
    if (std::none_of(rows.begin(), rows.end(), [&](auto& m) { return m.name == p.name; }))
      others.push_back(&p);
  if (f == output_format::json) {
    json_writer w;
    w.begin_object().key("members").begin_array();
    for (auto& m : rows) {
      w.begin_object()
          .field("name", m.name)
          .field("incarnation", hex16(m.incarnation))
          .field("endpoint", m.host + ":" + std::to_string(m.port))
          .field("state", m.state)
          .field("up_since_ms", m.up_since_ms)
          .field("up_for_ms", now_ms - m.up_since_ms)
          .field("last_heard_ms", m.last_heard_ms)
          .key("presence");
      if (auto* p = presence_of(m.name))
        write_presence(w, *p);
      else
        w.null();
      w.end_object();
    }
    w.end_array().key("others").begin_array();
    for (auto* p : others) {
      w.begin_object().field("name", p->name).key("presence");
      write_presence(w, *p);
      w.end_object();
    }
    w.end_array().end_object();
    return w.take() + "\n";
  }
  text_table t{{"NAME", "ENDPOINT", "STATE", "UP FOR", "LAST HEARD", "PRESENCE", "INCARNATION"}};
  for (auto& m : rows) {
    auto* p = presence_of(m.name);
    t.add({m.name, m.host + ":" + std::to_string(m.port), m.state,
           human_duration_ms(now_ms - m.up_since_ms),
           m.last_heard_ms < 0 ? std::string{"-"} : human_duration_ms(m.last_heard_ms) + " ago",
           p ? presence_text(*p, now_ms) : std::string{"-"}, hex16(m.incarnation)});
  }
  for (auto* p : others)
    t.add({p->name, p->endpoint.empty() ? std::string{"-"} : p->endpoint, "-", "-", "-",
           presence_text(*p, now_ms), hex16(p->incarnation)});
  return t.str();
}

std::string render_node(const node_report& r, int64_t now_ms, output_format f, bool all_counters,
                        const gateway_report* gateways) {
  if (f == output_format::json) {
    json_writer w;
    w.begin_object()
        .field("name", r.name)
        .field("incarnation", hex16(r.incarnation))
        .field("endpoint", r.endpoint)
        .field("up_since_ms", r.up_since_ms)
        .field("running_actors", r.running_actors)
        .field("mqtt_messages_per_s", r.mqtt_messages_per_s);
    w.key("actors");
    write_values(w, r.actors);
    w.key("commands_by_state");
    write_values(w, r.command_states);
    w.key("routers").begin_object().field("pool_size", static_cast<int64_t>(r.routers.size()));
    w.key("workers").begin_array();
    for (auto& x : r.routers)
      w.begin_object()
          .field("index", static_cast<int64_t>(x.index))
          .field("mailbox", x.mailbox)
          .field("handled", x.handled)
          .field("redis_up", x.redis_up)
          .end_object();
    w.end_array().end_object();
    w.key("links").begin_array();
    for (auto& l : r.links) {
      w.begin_object().field("name", l.name).field("up", l.up).key("counters");
      write_values(w, l.counters);
      w.end_object();
    }
    w.end_array();
    w.key("outcomes");
    write_values(w, r.outcomes);
    w.key("latency_us").begin_object();
    for (auto& l : r.latencies)
      w.key(l.name)
          .begin_object()
          .field("count", l.count)
          .field("mean", l.mean_us)
          .field("p50", l.p50_us)
          .field("p90", l.p90_us)
          .field("p99", l.p99_us)
          .field("max", l.max_us)
          .end_object();
    w.end_object();
    w.key("counters");
    write_values(w, r.counters);
    auto value = [&](std::string_view name) {
      for (auto& c : r.counters)
        if (c.name == name)
          return c.value;
      return int64_t{0};
    };
    w.key("security")
        .begin_object()
        .field("cluster_link", value("cluster.tls") == 1        ? "mutual_tls"
                               : value("cluster.insecure") == 1 ? "plain_insecure"
                                                                : "plain_loopback")
        .field("joins_refused", value("cluster.refused"))
        .field("views_refused", value("inspect.refused"))
        .field("bad_tokens", value("replies.bad_token"))
        .field("rejections_suppressed", value("jobs.rejections_suppressed"))
        .end_object();
    if (gateways) {
      w.key("gateways");
      write_gateway_summary(w, summarize(*gateways));
    }
    w.end_object();
    return w.take() + "\n";
  }
  std::ostringstream out;
  out << "node " << r.name << " at " << r.endpoint << " (incarnation " << hex16(r.incarnation)
      << "), up " << human_duration_ms(now_ms - r.up_since_ms) << ", " << r.running_actors
      << " actors running, " << r.mqtt_messages_per_s << " MQTT messages/s\n\n";
  text_table actors{{"ACTORS", "COUNT"}};
  for (auto& a : r.actors)
    actors.add({a.name, std::to_string(a.value)});
  out << actors.str() << "\n";
  text_table states{{"COMMANDS BY STATE", "COUNT"}};
  for (auto& s : r.command_states)
    states.add({s.name, std::to_string(s.value)});
  out << states.str() << "\n";
  text_table routers{{"ROUTER", "MAILBOX", "HANDLED", "REDIS"}};
  for (auto& x : r.routers)
    routers.add({std::to_string(x.index), x.mailbox < 0 ? "?" : std::to_string(x.mailbox),
                 std::to_string(x.handled), x.redis_up ? "up" : "down"});
  out << "router pool: " << r.routers.size() << " routers\n" << routers.str() << "\n";
  text_table links{{"LINK", "STATE", "COUNTERS"}};
  for (auto& l : r.links) {
    std::string cs;
    for (auto& c : l.counters)
      if (c.value != 0)
        cs += (cs.empty() ? "" : " ") + c.name + "=" + std::to_string(c.value);
    links.add({l.name, l.up ? "up" : "down", cs});
  }
  out << links.str() << "\n";
  if (gateways)
    out << gateway_summary_table(summarize(*gateways)) << "\n";
  // Bad and repeated input, by where it came in (counted, never fatal).
  auto counter = [&](std::string_view name) {
    for (auto& c : r.counters)
      if (c.name == name)
        return c.value;
    return int64_t{0};
  };
  text_table input{{"INPUT", "MALFORMED", "DUPLICATES"}};
  input.add({"gateway responses", std::to_string(counter("replies.malformed")),
             std::to_string(counter("replies.duplicate"))});
  input.add({"gateway status", std::to_string(counter("status.malformed")), "-"});
  input.add({"jobs", std::to_string(counter("jobs.rejected")) + " rejected",
             std::to_string(counter("jobs.duplicate"))});
  out << input.str() << "\n";
  // The table in Redis through outages (docs/routing-table.md §6).
  text_table table{{"ROUTING TABLE", "COUNT"}};
  table.add(
      {"no route yet, table rebuilding: asked again", std::to_string(counter("router.warming"))});
  table.add({"status kept while Redis is down", std::to_string(counter("status.backlog_adverts"))});
  table.add({"status written after an outage", std::to_string(counter("status.adverts_replayed"))});
  table.add({"status dropped", std::to_string(counter("status.adverts_dropped"))});
  out << table.str() << "\n";
  // Jobs through node failures (docs/northbound.md, "Receipts, standbys and takeover").
  text_table jobs{{"JOBS", "COUNT"}};
  jobs.add({"coordinated here now", std::to_string(counter("jobs.in_flight"))});
  jobs.add({"held here as standby now", std::to_string(counter("jobs.standby"))});
  jobs.add({"accepted without a standby", std::to_string(counter("jobs.no_standby"))});
  jobs.add({"taken over from a lost coordinator", std::to_string(counter("jobs.taken_over"))});
  jobs.add({"handed to the standby on leaving", std::to_string(counter("jobs.handed_over"))});
  jobs.add({"results kept for resubmission", std::to_string(counter("jobs.results_kept"))});
  jobs.add({"results published again", std::to_string(counter("jobs.results_again"))});
  jobs.add({"dead letters published", std::to_string(counter("jobs.dead_letters"))});
  out << jobs.str() << "\n";
  // The links' protection and what was refused (docs/security.md).
  text_table sec{{"SECURITY", "STATE / COUNT"}};
  sec.add({"cluster link", counter("cluster.tls") == 1        ? "mutual TLS"
                           : counter("cluster.insecure") == 1 ? "PLAIN beyond loopback (insecure)"
                                                              : "plain, loopback only"});
  sec.add({"joins refused (a live member's name)", std::to_string(counter("cluster.refused"))});
  sec.add({"views refused (token)", std::to_string(counter("inspect.refused"))});
  sec.add({"forged or altered reply tokens", std::to_string(counter("replies.bad_token"))});
  sec.add({"rejections not published (rate limit)",
           std::to_string(counter("jobs.rejections_suppressed"))});
  out << sec.str() << "\n";
  text_table lat{{"LATENCY (ms)", "COUNT", "MEAN", "P50", "P90", "P99", "MAX"}};
  for (auto& l : r.latencies)
    lat.add({l.name.size() > 3 && l.name.compare(l.name.size() - 3, 3, "_us") == 0
                 ? l.name.substr(0, l.name.size() - 3)
                 : l.name,
             std::to_string(l.count), ms_from_us(l.mean_us), ms_from_us(l.p50_us),
             ms_from_us(l.p90_us), ms_from_us(l.p99_us), ms_from_us(l.max_us)});
  out << lat.str() << "\n";
  text_table outc{{"OUTCOMES", "COUNT"}};
  for (auto& o : r.outcomes)
    outc.add({o.name, std::to_string(o.value)});
  out << outc.str();
  if (all_counters) {
    // Units and Prometheus names from the catalog the node declares its
    // metrics in (runtime/metrics/catalog.cpp, docs/metrics.md).
    text_table all{{"COUNTER", "VALUE", "UNIT", "PROMETHEUS"}};
    for (auto& c : r.counters) {
      auto m = metrics::find_metric(c.name);
      std::string series = m ? metrics::prometheus_name(*m->def) : "(not in the catalog)";
      if (m && !m->labels.empty()) {
        series += "{";
        for (size_t i = 0; i < m->labels.size(); ++i)
          series += (i ? "," : "") + m->labels[i].first + "=\"" + m->labels[i].second + "\"";
        series += "}";
      }
      all.add({c.name, std::to_string(c.value), m ? std::string{m->def->unit} : "", series});
    }
    out << "\n" << all.str();
  }
  return out.str();
}

std::string render_commands(const command_list& l, output_format f) {
  if (f == output_format::json) {
    json_writer w;
    w.begin_object().field("matching", l.matching).key("commands").begin_array();
    for (auto& c : l.rows) {
      w.begin_object()
          .field("id", std::to_string(c.id))
          .field("esl", c.esl.to_string())
          .field("op", c.op)
          .field("priority", c.priority)
          .field("state", c.state)
          .field("age_ms", c.age_ms)
          .field("attempts", static_cast<int64_t>(c.attempts));
      w.key("gateway");
      if (c.has_gw)
        w.value(c.gw.to_string());
      else
        w.null();
      w.field("shard", static_cast<int64_t>(c.shard)).end_object();
    }
    w.end_array().end_object();
    return w.take() + "\n";
  }
  text_table t{{"ESL", "OP", "PRIORITY", "STATE", "AGE", "ATTEMPTS", "GATEWAY", "COMMAND"}};
  for (auto& c : l.rows)
    t.add({c.esl.to_string(), c.op, c.priority, c.state, human_duration_ms(c.age_ms),
           std::to_string(c.attempts), c.has_gw ? c.gw.to_string() : "-", std::to_string(c.id)});
  std::ostringstream out;
  out << t.str() << l.rows.size() << " of " << l.matching << " matching commands, oldest first\n";
  return out.str();
}

std::string render_route(const route_report& r, output_format f) {
  if (f == output_format::json) {
    json_writer w;
    w.begin_object().field("esl", r.esl.to_string()).field("ok", r.ok);
    w.field("stale_after_ms", r.stale_after_ms).key("candidates").begin_array();
    for (auto& c : r.candidates)
      w.begin_object()
          .field("gateway", c.gw.to_string())
          .field("rssi", static_cast<int64_t>(c.rssi))
          .field("age_ms", c.age_ms)
          .field("fresh", c.age_ms < r.stale_after_ms)
          .end_object();
    w.end_array().end_object();
    return w.take() + "\n";
  }
  std::ostringstream out;
  if (!r.ok) {
    out << "ESL " << r.esl.to_string() << ": the routing table could not be read (Redis down?)\n";
    return out.str();
  }
  if (r.candidates.empty()) {
    out << "ESL " << r.esl.to_string() << ": no gateway has heard it (unroutable)\n";
    return out.str();
  }
  text_table t{{"RANK", "GATEWAY", "RSSI (dBm)", "AGE", "FRESH"}};
  int rank = 0;
  for (auto& c : r.candidates)
    t.add({rank++ == 0 ? "best" : std::to_string(rank), c.gw.to_string(), std::to_string(c.rssi),
           human_duration_ms(c.age_ms), c.age_ms < r.stale_after_ms ? "yes" : "stale"});
  out << "ESL " << r.esl.to_string() << "\n" << t.str();
  return out.str();
}

std::string render_scale(const std::vector<std::pair<std::string, scale_result>>& results,
                         output_format f) {
  if (f == output_format::json) {
    json_writer w;
    w.begin_object().key("results").begin_array();
    for (auto& [node, r] : results)
      w.begin_object()
          .field("node", node)
          .field("ok", r.error == control_errc::none)
          .field("pool", r.pool)
          .field("before", static_cast<int64_t>(r.before))
          .field("after", static_cast<int64_t>(r.after))
          .field("message", r.message)
          .end_object();
    w.end_array().end_object();
    return w.take() + "\n";
  }
  std::string out;
  for (auto& [node, r] : results)
    out += node + ": " + r.message + "\n";
  return out;
}

} // namespace shelfwire::cli
