#pragma once

#include <string>

namespace shelfwire {

/// The inspector (shelfwire-inspect's counterpart in the node). Keys `inspect.*`.
struct inspect_options {
  /// Admin token: control actions (scale) must carry it, and it opens the
  /// views too; empty: control actions are refused.
  std::string token;
  /// Read token: the views must carry it (or the admin token); empty: views
  /// are open only while the cluster endpoint is bound to loopback.
  std::string read_token;
};

} // namespace shelfwire
