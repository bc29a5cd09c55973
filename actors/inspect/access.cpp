#include "actors/inspect/access.hpp"

#include "runtime/core/constant_time.hpp"

namespace shelfwire {

view_access check_view_access(const inspect_options& opts, bool loopback_only,
                              std::string_view token) {
  // Both compared whatever the first gives: the time does not tell which.
  bool admin = !opts.token.empty() && constant_time_equal(token, opts.token);
  bool reader = !opts.read_token.empty() && constant_time_equal(token, opts.read_token);
  if (admin || reader)
    return view_access::granted;
  if (opts.read_token.empty())
    return loopback_only ? view_access::granted : view_access::no_read_token;
  return view_access::wrong_token;
}

std::string view_refusal(view_access a, const std::string& node) {
  switch (a) {
  case view_access::granted:
    return {};
  case view_access::no_read_token:
    return "refused: node '" + node +
           "' answers views only with its inspect.read-token or inspect.token, and it has "
           "neither set for this token (a node beyond loopback without inspect.read-token "
           "answers no views)";
  case view_access::wrong_token:
    return "refused: wrong token for the views of node '" + node +
           "' (give inspect.read-token or inspect.token: --token, --token-file or "
           "SHELFWIRE_INSPECT_TOKEN)";
  }
  return "refused";
}

} // namespace shelfwire
