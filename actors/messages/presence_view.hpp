#pragma once

// Node presence in the `members` view of shelfwire-inspect (cluster manager
// -> client), and the presence messages a node's own MQTT subscription hands
// its cluster manager (docs/operations.md, "Node presence"). Their own
// type-ID block, after messages.hpp's: register both
// (cfg.add_message_types<caf::id_block::shelfwire_presence>()).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "actors/messages/messages.hpp"

namespace shelfwire {

/// One node whose presence this node has seen on `{presence.topic}/+`.
struct presence_row {
  std::string name;
  uint64_t incarnation = 0;
  std::string state;      ///< "online" or "offline"
  std::string reason;     ///< offline: "stopped" (clean exit) or "lost" (its last will)
  std::string endpoint;   ///< its CAF cluster endpoint, host:port
  int64_t since_ms = 0;   ///< wall clock it entered this state; 0: not known
  int64_t started_ms = 0; ///< wall clock its incarnation started
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_row& x) {
  return f(caf::meta::type_name("shelfwire::presence_row"), x.name, x.incarnation, x.state,
           x.reason, x.endpoint, x.since_ms, x.started_ms);
}

} // namespace shelfwire

CAF_BEGIN_TYPE_ID_BLOCK(shelfwire_presence, caf::id_block::shelfwire::end)

CAF_ADD_TYPE_ID(shelfwire_presence, (shelfwire::presence_row))
CAF_ADD_TYPE_ID(shelfwire_presence, (std::vector<shelfwire::presence_row>))

/// The node's presence subscription -> its cluster manager: (presence_atom,
/// std::string topic, std::string payload, bool retained). shelfwire-inspect
/// -> cluster manager: (inspect_atom, members_atom, presence_atom, token) ->
/// std::vector<presence_row>, every node whose presence it knows, by name.
CAF_ADD_ATOM(shelfwire_presence, shelfwire, presence_atom, "presence")

CAF_END_TYPE_ID_BLOCK(shelfwire_presence)
