#pragma once

#include <string>

namespace shelfwire {

/// The inspector (shelfwire-inspect's counterpart in the node). Keys `inspect.*`.
struct inspect_options {
  /// Shared token that control actions (scale) must carry; empty: control
  /// actions are refused. Views are open to whoever reaches the CAF endpoint.
  std::string token;
};

} // namespace shelfwire
