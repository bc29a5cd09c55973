#pragma once

#include <string>
#include <string_view>

#include "actors/inspect/inspect_options.hpp"

namespace shelfwire {

/// Whether a view request may be answered (pure logic, no CAF).
enum class view_access {
  granted,
  no_read_token, ///< the node has no inspect.read-token and listens beyond loopback
  wrong_token,   ///< neither the read token nor the admin token
};

/// Views need the read token or the admin token (`inspect.token`), compared
/// in constant time. A node without a read token answers views without one
/// only while its cluster endpoint is bound to loopback (`loopback_only`):
/// then only processes on its machine reach it.
view_access check_view_access(const inspect_options& opts, bool loopback_only,
                              std::string_view token);

/// A sentence for the refused client (and the log): never the token.
std::string view_refusal(view_access a, const std::string& node);

} // namespace shelfwire
