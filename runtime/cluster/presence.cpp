#include "runtime/cluster/presence.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "runtime/core/json_reader.hpp"
#include "runtime/core/json_writer.hpp"

namespace shelfwire::cluster {

namespace {

constexpr size_t max_payload = 4096; ///< ours are ~200 bytes
constexpr size_t max_node = 128;     ///< node.name: at most 64
constexpr size_t max_reason = 64;    ///< "stopped", "lost"
constexpr size_t max_endpoint = 300; ///< host (at most 255) and port
static_assert(6 * (max_node + max_reason + max_endpoint) + 300 < max_payload,
              "a decoded presence encodes within max_payload");

bool fail(std::string* error, std::string why) {
  if (error != nullptr)
    *error = std::move(why);
  return false;
}

/// 1 to 16 hex digits, or a JSON number written as a non-negative integer.
bool read_incarnation(const json_value& v, uint64_t& out) {
  const std::string& t = v.text;
  if (v.is_string()) {
    if (t.empty() || t.size() > 16 || t.find_first_not_of("0123456789abcdefABCDEF") != t.npos)
      return false;
    out = std::strtoull(t.c_str(), nullptr, 16);
    return true;
  }
  if (v.is_count() && t.size() <= 20) {
    errno = 0;
    out = std::strtoull(t.c_str(), nullptr, 10);
    return errno == 0;
  }
  return false;
}

/// An optional integer member (0 when absent or not an integer number).
int64_t read_ms(const json_value& doc, std::string_view key) {
  auto* v = doc.find(key);
  if (v == nullptr || !v->is_count() || v->text.size() > 18)
    return 0;
  return std::strtoll(v->text.c_str(), nullptr, 10);
}

std::string read_text(const json_value& doc, std::string_view key) {
  auto* v = doc.find(key);
  return v != nullptr && v->is_string() ? v->text : std::string{};
}

} // namespace

std::string_view to_string(presence_state s) {
  return s == presence_state::online ? "online" : "offline";
}

presence online_presence(const presence_identity& id, int64_t now_ms) {
  presence p;
  p.node = id.node;
  p.incarnation = id.incarnation;
  p.state = presence_state::online;
  p.endpoint = id.endpoint;
  p.started_ms = id.started_ms;
  p.ts_ms = now_ms;
  return p;
}

presence lost_presence(const presence_identity& id) {
  auto p = online_presence(id, 0);
  p.state = presence_state::offline;
  p.reason = presence_lost;
  return p;
}

presence stopped_presence(const presence_identity& id, int64_t now_ms) {
  auto p = online_presence(id, now_ms);
  p.state = presence_state::offline;
  p.reason = presence_stopped;
  return p;
}

std::string encode_presence(const presence& p) {
  char inc[20];
  std::snprintf(inc, sizeof inc, "%016" PRIx64, p.incarnation);
  json_writer w;
  w.begin_object()
      .field("v", 1)
      .field("node", p.node)
      .field("incarnation", std::string_view{inc})
      .field("state", to_string(p.state));
  if (!p.online())
    w.field("reason", p.reason);
  w.field("endpoint", p.endpoint).field("started_ms", p.started_ms);
  if (p.ts_ms > 0)
    w.field("ts_ms", p.ts_ms);
  w.end_object();
  return w.take();
}

std::optional<presence> decode_presence(std::string_view payload, std::string* error) {
  if (payload.size() > max_payload) {
    fail(error, "presence payload of " + std::to_string(payload.size()) + " bytes (at most " +
                    std::to_string(max_payload) + ")");
    return std::nullopt;
  }
  std::string why;
  auto doc = json_parser::parse(payload, &why);
  if (!doc) {
    fail(error, "presence payload is not JSON: " + why);
    return std::nullopt;
  }
  if (!doc->is_object()) {
    fail(error, "presence payload is not a JSON object");
    return std::nullopt;
  }
  if (auto* v = doc->find("v"); v != nullptr && !(v->is_count() && v->text == "1")) {
    fail(error, "presence payload of version " + v->text + " (this node reads 1)");
    return std::nullopt;
  }
  presence p;
  p.node = read_text(*doc, "node");
  if (p.node.empty()) {
    fail(error, "presence payload without 'node'");
    return std::nullopt;
  }
  auto* inc = doc->find("incarnation");
  if (inc == nullptr || !read_incarnation(*inc, p.incarnation)) {
    fail(error, "presence payload without a valid 'incarnation' (16 hex digits)");
    return std::nullopt;
  }
  auto state = read_text(*doc, "state");
  if (state == "online") {
    p.state = presence_state::online;
  } else if (state == "offline") {
    p.state = presence_state::offline;
    p.reason = read_text(*doc, "reason");
  } else {
    fail(error, "presence payload with 'state' not online or offline");
    return std::nullopt;
  }
  p.endpoint = read_text(*doc, "endpoint");
  p.started_ms = read_ms(*doc, "started_ms");
  p.ts_ms = read_ms(*doc, "ts_ms");
  // Bounded fields: what we keep per node stays small, and what we write back
  // (every byte escaped at worst as \u00XX: 6 bytes) stays under max_payload.
  if (p.node.size() > max_node || p.reason.size() > max_reason ||
      p.endpoint.size() > max_endpoint) {
    fail(error, "presence payload with a field too long (node at most " + std::to_string(max_node) +
                    " bytes, reason " + std::to_string(max_reason) + ", endpoint " +
                    std::to_string(max_endpoint) + ")");
    return std::nullopt;
  }
  return p;
}

std::string presence_topic(std::string_view prefix, std::string_view node) {
  std::string t;
  t.reserve(prefix.size() + 1 + node.size());
  t.append(prefix).append(1, '/').append(node);
  return t;
}

std::string_view node_of_presence_topic(std::string_view prefix, std::string_view topic) {
  if (topic.size() <= prefix.size() + 1 || topic.substr(0, prefix.size()) != prefix ||
      topic[prefix.size()] != '/')
    return {};
  auto node = topic.substr(prefix.size() + 1);
  return node.find('/') == std::string_view::npos ? node : std::string_view{};
}

presence_book::change presence_book::apply(std::string_view node, std::string_view payload,
                                           bool retained, int64_t now_ms, std::string* error) {
  auto it = entries_.find(node);
  if (payload.empty()) {
    if (it == entries_.end())
      return change::same;
    entries_.erase(it);
    return change::removed;
  }
  auto p = decode_presence(payload, error);
  if (!p)
    return change::ignored;
  if (p->node != node) {
    fail(error, "presence of '" + p->node + "' on the topic of '" + std::string{node} + "'");
    return change::ignored;
  }
  if (it != entries_.end()) {
    auto& e = it->second;
    bool same =
        e.p.incarnation == p->incarnation && e.p.state == p->state && e.p.reason == p->reason;
    e.heard_ms = now_ms;
    if (same) {
      e.p = std::move(*p); // the endpoint or ts may be newer; the state holds since before
      e.retained = e.retained && retained;
      return change::same;
    }
    e.since_ms = retained ? p->ts_ms : now_ms;
    e.p = std::move(*p);
    e.retained = retained;
    return change::changed;
  }
  entry e;
  e.since_ms = retained ? p->ts_ms : now_ms;
  e.heard_ms = now_ms;
  e.retained = retained;
  e.p = std::move(*p);
  entries_.emplace(std::string{node}, std::move(e));
  if (entries_.size() > max_nodes_) {
    // Forget the node heard of longest ago, an offline one if there is one.
    auto victim = entries_.end();
    for (auto i = entries_.begin(); i != entries_.end(); ++i) {
      if (i->first == node)
        continue;
      if (victim == entries_.end() ||
          std::make_pair(i->second.p.online(), i->second.heard_ms) <
              std::make_pair(victim->second.p.online(), victim->second.heard_ms))
        victim = i;
    }
    if (victim != entries_.end())
      entries_.erase(victim);
  }
  return change::changed;
}

const presence_book::entry* presence_book::find(std::string_view node) const {
  auto it = entries_.find(node);
  return it == entries_.end() ? nullptr : &it->second;
}

} // namespace shelfwire::cluster
