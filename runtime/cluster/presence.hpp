#pragma once

// Node presence on MQTT (docs/operations.md, "Node presence"), as pure
// logic: the payload a node publishes on `{presence.topic}/{node}` (retained
// JSON), its encoder and decoder, and `presence_book`, the latest presence
// per node as a subscriber of `{presence.topic}/+` sees it. No CAF, no I/O,
// no clocks (the caller passes the time), no locks.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace shelfwire::cluster {

enum class presence_state : uint8_t { online, offline };

std::string_view to_string(presence_state s);

/// Why a node is offline.
inline constexpr std::string_view presence_stopped = "stopped"; ///< it exited cleanly
inline constexpr std::string_view presence_lost = "lost"; ///< the broker lost it: its last will

/// One payload on `{presence.topic}/{node}`:
///   {"v":1,"node":"a","incarnation":"00c0ffee00c0ffee","state":"offline",
///    "reason":"lost","endpoint":"127.0.0.1:4270","started_ms":...,"ts_ms":...}
/// `reason` only when offline; `ts_ms` only when the node wrote the payload
/// at the moment it describes (online, stopped): the will ("lost") is written
/// when the connection is made and published by the broker much later.
struct presence {
  std::string node;
  uint64_t incarnation = 0; ///< random per start of the node (16 hex digits in JSON)
  presence_state state = presence_state::online;
  std::string reason;     ///< offline: "stopped" or "lost"; empty when online
  std::string endpoint;   ///< the node's CAF cluster endpoint, host:port
  int64_t started_ms = 0; ///< wall clock (ms since the epoch) this incarnation started
  int64_t ts_ms = 0;      ///< wall clock the node wrote it; 0: not known (the will)

  bool online() const { return state == presence_state::online; }
};

/// Who announces: what every payload of one node's run repeats.
struct presence_identity {
  std::string node;
  uint64_t incarnation = 0;
  std::string endpoint;
  int64_t started_ms = 0;
};

/// The birth message: online, now.
presence online_presence(const presence_identity& id, int64_t now_ms);
/// The last will: offline, lost (no ts_ms: the broker publishes it later).
presence lost_presence(const presence_identity& id);
/// A clean exit: offline, stopped, now.
presence stopped_presence(const presence_identity& id, int64_t now_ms);

/// The JSON payload (keys in the order above).
std::string encode_presence(const presence& p);

/// Reads a payload. Lenient with what it does not know (other keys are
/// ignored; the incarnation may also be a JSON number), strict with what it
/// needs: an object with "v" 1 (or absent), "node" (non-empty string),
/// "incarnation", "state" ("online" or "offline"). nullopt and `*error` (one
/// sentence) if it is not a presence payload. Never throws.
std::optional<presence> decode_presence(std::string_view payload, std::string* error = nullptr);

/// `{prefix}/{node}`.
std::string presence_topic(std::string_view prefix, std::string_view node);
/// The node a presence topic names: `{prefix}/{node}` -> node; empty if
/// `topic` is not one level below `prefix`.
std::string_view node_of_presence_topic(std::string_view prefix, std::string_view topic);

/// The latest presence per node, as a subscriber of `{prefix}/+` sees it.
/// An actor's state (or behind the caller's lock): not thread-safe.
class presence_book {
public:
  struct entry {
    presence p;
    /// Wall clock (ms) the node entered this state: when a live message
    /// said so, or for a retained one (seen at subscribe) the payload's ts_ms
    /// (0: not known, a will found retained). Kept while the state repeats.
    int64_t since_ms = 0;
    int64_t heard_ms = 0;  ///< wall clock of the last message about it
    bool retained = false; ///< known only from a retained message
  };

  /// What apply() did with a message.
  enum class change { ignored, same, changed, removed };

  explicit presence_book(size_t max_nodes = 1024)
      : max_nodes_(max_nodes == 0 ? 1 : max_nodes) {}

  /// One message on `{prefix}/{node}` (`node` taken from the topic):
  /// an empty payload (the retained message was cleared) forgets the node;
  /// a payload that is not presence, or names another node, is ignored
  /// (`*error` says why). With more than max_nodes nodes, the offline one
  /// heard of longest ago is forgotten.
  change apply(std::string_view node, std::string_view payload, bool retained, int64_t now_ms,
               std::string* error = nullptr);

  const entry* find(std::string_view node) const;
  const std::map<std::string, entry, std::less<>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

private:
  size_t max_nodes_;
  std::map<std::string, entry, std::less<>> entries_;
};

} // namespace shelfwire::cluster
