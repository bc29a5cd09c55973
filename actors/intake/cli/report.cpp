#include "actors/intake/cli/report.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "runtime/command/outcome.hpp"
#include "runtime/core/text_table.hpp"
#include "runtime/core/utf8.hpp"

namespace shelfwire::submit {

std::string_view status_word(const run_summary& s) {
  switch (s.end) {
  case run_end::result:
    return s.result && s.result->rejected ? "rejected" : "done";
  case run_end::no_receipt:
    return "no_receipt";
  case run_end::timed_out:
    return "timed_out";
  case run_end::interrupted:
    return "interrupted";
  }
  return "done";
}

int exit_code_of(const run_summary& s) {
  switch (s.end) {
  case run_end::result: {
    if (!s.result || s.result->rejected)
      return exit_code::not_all_acked;
    for (auto& o : s.result->outcomes)
      if (o.status != outcome_status::acked)
        return exit_code::not_all_acked;
    return exit_code::all_acked;
  }
  case run_end::no_receipt:
  case run_end::timed_out:
    return exit_code::no_answer;
  case run_end::interrupted:
    return s.signal == SIGTERM ? exit_code::sigterm : exit_code::sigint;
  }
  return exit_code::no_answer;
}

std::string format_duration_us(uint64_t us) {
  char buf[32];
  if (us < 1'000)
    std::snprintf(buf, sizeof buf, "%llu us", static_cast<unsigned long long>(us));
  else if (us < 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(us) / 1e6);
  return buf;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7F) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 character, copied if well formed.
    if (auto n = utf8_char_length(s, i); n > 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
  return out;
}

namespace {

std::string standby_text(const run_summary& s) {
  if (!s.receipt)
    return "unknown (no receipt)";
  if (s.receipt->standby.empty())
    return "none (cluster of one)";
  return s.receipt->standby;
}

std::string node_text(const run_summary& s) {
  if (s.result && !s.result->node.empty()) {
    if (s.receipt && s.receipt->node != s.result->node)
      return s.result->node + " (took the job over from " + s.receipt->node + ")";
    return s.result->node;
  }
  if (s.receipt)
    return s.receipt->node;
  if (s.progress)
    return s.progress->node;
  return "unknown";
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  text_table t;
  for (auto& r : rows)
    t.add(r);
  return t.str();
}

std::string failed_table(const run_summary& s, size_t show_failed) {
  auto& outcomes = s.result->outcomes;
  size_t not_acked = 0;
  for (auto& o : outcomes)
    not_acked += o.status != outcome_status::acked;
  if (not_acked == 0)
    return "";
  std::vector<std::vector<std::string>> rows{
      {"#", "SOURCE", "ESL", "OP", "STATUS", "CODE", "GW", "ATTEMPTS", "LATENCY", "REASON"}};
  for (size_t i = 0; i < outcomes.size() && rows.size() <= show_failed; ++i) {
    auto& o = outcomes[i];
    if (o.status == outcome_status::acked)
      continue;
    rows.push_back({std::to_string(i), i < s.origins.size() ? s.origins[i] : "-", o.esl.to_string(),
                    std::string{wire::to_string(o.op)}, std::string{to_string(o.status)},
                    std::to_string(o.code), o.gw ? o.gw->to_string() : "-",
                    std::to_string(o.attempts), format_duration_us(o.latency_us),
                    o.reason.empty() ? "-" : o.reason});
  }
  std::string out =
      "\nnot acked: " + std::to_string(not_acked) + " of " + std::to_string(outcomes.size());
  if (rows.size() - 1 < not_acked)
    out += " (the first " + std::to_string(rows.size() - 1) + " below; --show-failed N)";
  out += "\n";
  if (rows.size() > 1)
    out += aligned(rows);
  return out;
}

} // namespace

std::string render_table(const run_summary& s, size_t show_failed) {
  std::vector<std::vector<std::string>> head{{"job", s.job}};
  std::string status{status_word(s)};
  if (s.end == run_end::no_receipt)
    status += " (no receipt and no result after " + std::to_string(s.submits) + " submissions)";
  else if (s.end == run_end::timed_out)
    status +=
        std::string{" (no result in time"} + (s.receipt ? "; the cluster holds the job)" : ")");
  head.push_back({"status", status});
  if (s.result && s.result->rejected)
    head.push_back({"error", s.result->error});
  head.push_back({"node", node_text(s)});
  head.push_back({"standby", standby_text(s)});
  head.push_back({"commands", std::to_string(s.commands)});
  if (s.progress && !s.result)
    head.push_back({"progress", std::to_string(s.progress->done) + " of " +
                                    std::to_string(s.progress->total) + " done"});
  head.push_back({"submits", std::to_string(s.submits)});
  head.push_back({"elapsed", format_duration_us(static_cast<uint64_t>(s.elapsed_ms) * 1000)});
  auto out = aligned(head);
  if (!s.result || s.result->rejected)
    return out;
  auto counts = s.result->counts();
  std::vector<std::vector<std::string>> count_rows{{"OUTCOME", "COUNT"}};
  for (auto st : all_outcome_statuses)
    count_rows.push_back(
        {std::string{to_string(st)}, std::to_string(counts[static_cast<size_t>(st)])});
  out += "\n" + aligned(count_rows);
  out += failed_table(s, show_failed);
  return out;
}

std::string render_json(const run_summary& s) {
  std::string o = "{\"job\":" + json_string(s.job);
  o += ",\"status\":" + json_string(status_word(s));
  std::string node = s.result ? s.result->node : s.receipt ? s.receipt->node : "";
  o += ",\"node\":" + (node.empty() ? std::string{"null"} : json_string(node));
  o += ",\"standby\":" + (s.receipt ? json_string(s.receipt->standby) : std::string{"null"});
  o += std::string{",\"receipt\":"} + (s.receipt ? "true" : "false");
  if (s.result && s.result->rejected)
    o += ",\"error\":" + json_string(s.result->error);
  o += ",\"commands\":" + std::to_string(s.commands);
  o += ",\"submits\":" + std::to_string(s.submits);
  o += ",\"elapsed_ms\":" + std::to_string(s.elapsed_ms);
  if (s.progress && !s.result)
    o += ",\"progress\":{\"done\":" + std::to_string(s.progress->done) +
         ",\"total\":" + std::to_string(s.progress->total) + "}";
  o += ",\"counts\":{";
  auto counts = s.result ? s.result->counts() : std::array<uint64_t, outcome_status_count>{};
  for (auto st : all_outcome_statuses)
    o += std::string{st == outcome_status::acked ? "" : ","} + json_string(to_string(st)) + ":" +
         std::to_string(counts[static_cast<size_t>(st)]);
  o += "},\"outcomes\":[";
  if (s.result) {
    bool first = true;
    for (auto& r : s.result->outcomes) {
      o += first ? "{" : ",{";
      first = false;
      o += "\"esl\":" + json_string(r.esl.to_string());
      o += ",\"op\":" + json_string(wire::to_string(r.op));
      o += ",\"status\":" + json_string(to_string(r.status));
      o += ",\"code\":" + std::to_string(r.code);
      o += ",\"gw\":" + (r.gw ? json_string(r.gw->to_string()) : std::string{"null"});
      o += ",\"attempts\":" + std::to_string(r.attempts);
      o += ",\"reason\":" + json_string(r.reason);
      o += ",\"latency_us\":" + std::to_string(r.latency_us);
      if (r.backbone_us)
        o += ",\"backbone_us\":" + std::to_string(*r.backbone_us);
      o += "}";
    }
  }
  o += "]}\n";
  return o;
}

} // namespace shelfwire::submit
